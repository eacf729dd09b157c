// Shell completion for the descent program, generated from its commands and the registry.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <string_view>

namespace descent::cli {

/// A completion script for `shell` ("bash" or "zsh"): the commands, each command's options, and
/// the values of the options that take names (optimizers, functions, schedules, formats, ...).
/// Throws InputError for another shell.
std::string completion_script(const CLI::App& app, std::string_view shell);

}  // namespace descent::cli
