// descent: descriptions of hyperparameters (name, type, default, valid range, documentation) and
// the values given to one instance. The registry describes every optimizer and function with these.
#pragma once

#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace descent {

/// What kind of value a parameter holds. Scalar values are stored as doubles: integers exactly,
/// booleans as 0 or 1, choices as the index into ParamInfo::choices. An integer list (e.g. the
/// milestones of a schedule) is written with ';' between items ("30;80") and stored as a list.
enum class ParamType { real, integer, boolean, choice, integer_list, real_list };

/// "real", "integer", "boolean", "choice", "integer_list" or "real_list".
const char* to_string(ParamType type);

/// One parameter of an optimizer or a function.
struct ParamInfo {
  std::string name;
  ParamType type = ParamType::real;
  double default_value = 0.0;
  double min = -std::numeric_limits<double>::infinity();
  double max = std::numeric_limits<double>::infinity();
  bool min_inclusive = true;
  bool max_inclusive = true;
  /// A hint for sweeps and sliders: the parameter spans decades (a learning rate, an epsilon).
  bool log_scale = false;
  /// Shown in short labels (tables, legends) even at its default: the setting readers compare.
  bool always_shown = false;
  std::string doc;
  /// The names of the choices, for ParamType::choice.
  std::vector<std::string> choices = {};
  /// The default, for the list types (items in [min, max]; an integer list also increasing).
  std::vector<double> default_list = {};

  /// The valid range in interval notation, e.g. "[0, 1)" or "true|false".
  std::string range_text() const;
  /// An error message if `value` is not valid for this parameter, else nothing.
  std::optional<std::string> check(double value) const;
  /// The value as it is written in a spec: shortest round-trip number, true/false, or choice name.
  std::string format(double value) const;
  /// Parses the text of a value (as written in a spec). Throws InputError naming the parameter.
  double parse(std::string_view text) const;

  /// For the list types: the same three operations on a list.
  std::optional<std::string> check_list(const std::vector<double>& values) const;
  std::string format_list(const std::vector<double>& values) const;
  std::vector<double> parse_list(std::string_view text) const;
  bool is_list() const { return type == ParamType::integer_list || type == ParamType::real_list; }
};

/// A real parameter with the range [min, max] (use the flags to open either end).
ParamInfo real_param(std::string name, double default_value, double min, double max,
                     std::string doc, bool min_inclusive = true, bool max_inclusive = true,
                     bool log_scale = false);

/// An integer parameter with the range [min, max].
ParamInfo integer_param(std::string name, double default_value, double min, double max,
                        std::string doc);

/// Values of all parameters of one instance, in the order of its ParamInfo list.
class ParamSet {
 public:
  ParamSet() = default;
  explicit ParamSet(std::vector<std::pair<std::string, double>> values,
                    std::vector<std::pair<std::string, std::vector<double>>> lists = {})
      : values_(std::move(values)), lists_(std::move(lists)) {}

  /// The value of parameter `name`. Asking for a parameter the set does not hold is a bug in the
  /// caller and throws std::logic_error.
  double get(std::string_view name) const;
  bool get_bool(std::string_view name) const { return get(name) != 0.0; }
  /// The value of list parameter `name` (std::logic_error if the set does not hold it).
  const std::vector<double>& get_list(std::string_view name) const;
  const std::vector<std::pair<std::string, double>>& values() const { return values_; }
  const std::vector<std::pair<std::string, std::vector<double>>>& lists() const { return lists_; }
  /// Sets a scalar or a list value (adding it if absent).
  void set(std::string_view name, double value);
  void set_list(std::string_view name, std::vector<double> values);

 private:
  std::vector<std::pair<std::string, double>> values_;
  std::vector<std::pair<std::string, std::vector<double>>> lists_;
};

/// The set of defaults of a parameter list.
ParamSet default_params(const std::vector<ParamInfo>& infos);

/// Checks every value against its range. Throws InputError naming `owner`, the parameter, the
/// value and the valid range.
void check_params(std::string_view owner, const std::vector<ParamInfo>& infos,
                  const ParamSet& values);

/// "name:key=value,key=value" with every parameter in declaration order; "name" if there are none.
std::string format_spec(std::string_view name, const std::vector<ParamInfo>& infos,
                        const ParamSet& values);

/// Shortest decimal text that reads back as the same double ("0.1", "1e-10", "inf", "nan").
std::string format_double(double value);

/// Parses a whole string as a double (decimal or scientific, "inf"/"nan" accepted). Leading or
/// trailing characters make it fail. Returns nothing on failure.
std::optional<double> parse_double(std::string_view text);

}  // namespace descent
