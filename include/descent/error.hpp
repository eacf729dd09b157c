// descent: the exceptions thrown for invalid input (a bad spec, a value out of range, a malformed
// file), for failures of the system and for cancelled work. Numerical events during a run are never
// exceptions: they end a run with a termination reason (see runner.hpp).
#pragma once

#include <stdexcept>
#include <string>

namespace descent {

/// Invalid input from a user or a file. The message names the problem and, where there is a fixed
/// set of valid choices, lists them. The command-line program prints it and exits with status 2.
class InputError : public std::runtime_error {
 public:
  explicit InputError(const std::string& message) : std::runtime_error(message) {}
};

/// A failure of the system while valid input was being carried out: a file that could not be
/// written to the end (a full disk, an I/O error), a port that could not be opened. The
/// command-line program prints it and exits with status 1.
class SystemFailure : public std::runtime_error {
 public:
  explicit SystemFailure(const std::string& message) : std::runtime_error(message) {}
};

/// Work stopped because its caller asked (RunOptions::cancelled returned true): a deadline
/// passed or nobody waits for the answer any more. What was computed is discarded.
class Cancelled : public std::runtime_error {
 public:
  Cancelled() : std::runtime_error("cancelled") {}
};

}  // namespace descent
