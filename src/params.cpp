#include "descent/params.hpp"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <system_error>

#include "descent/error.hpp"

namespace descent {

std::string format_double(double value) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  if (ec != std::errc()) throw std::logic_error("format_double: buffer too small");
  return std::string(buf, end);
}

std::optional<double> parse_double(std::string_view text) {
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  if (text.empty() || text.front() == '+' || text.front() == ' ') return std::nullopt;
  double value = 0.0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  // from_chars reports out-of-range for overflow and underflow and leaves `value` unset; strtod
  // gives the IEEE result for both (+-inf on overflow, a subnormal or zero on underflow).
  if (ec == std::errc::result_out_of_range && ptr == text.data() + text.size())
    return std::strtod(std::string(text).c_str(), nullptr);
  if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return value;
}

const char* to_string(ParamType type) {
  switch (type) {
    case ParamType::real:
      return "real";
    case ParamType::integer:
      return "integer";
    case ParamType::boolean:
      return "boolean";
    case ParamType::choice:
      return "choice";
    case ParamType::integer_list:
      return "integer_list";
    case ParamType::real_list:
      return "real_list";
  }
  return "";
}

std::string ParamInfo::range_text() const {
  switch (type) {
    case ParamType::boolean:
      return "true|false";
    case ParamType::choice: {
      std::string s;
      for (const auto& c : choices) s += (s.empty() ? "" : "|") + c;
      return s;
    }
    case ParamType::real:
    case ParamType::integer:
    case ParamType::integer_list:
    case ParamType::real_list:
      break;
  }
  std::string s = (min_inclusive && std::isfinite(min)) ? "[" : "(";
  s += format_double(min) + ", " + format_double(max);
  s += (max_inclusive && std::isfinite(max)) ? "]" : ")";
  if (type == ParamType::integer) s += ", integer";
  if (type == ParamType::integer_list) s += ", increasing integers separated by ';'";
  if (type == ParamType::real_list) s += ", numbers separated by ';'";
  return s;
}

std::optional<std::string> ParamInfo::check(double value) const {
  const auto out = [&] {
    return name + "=" + format_double(value) + " is out of range " + range_text();
  };
  if (!std::isfinite(value)) return name + " must be finite, got " + format_double(value);
  switch (type) {
    case ParamType::boolean:
      if (value != 0.0 && value != 1.0) return name + " must be true or false";
      return std::nullopt;
    case ParamType::choice:
      if (value < 0 || value >= static_cast<double>(choices.size()) || value != std::floor(value))
        return name + " must be one of " + range_text();
      return std::nullopt;
    case ParamType::integer:
    case ParamType::integer_list:
      if (value != std::floor(value)) return name + " must be an integer, got " + format(value);
      break;
    case ParamType::real:
    case ParamType::real_list:
      break;
  }
  if (value < min || (value == min && !min_inclusive)) return out();
  if (value > max || (value == max && !max_inclusive)) return out();
  return std::nullopt;
}

std::string ParamInfo::format(double value) const {
  switch (type) {
    case ParamType::boolean:
      return value != 0.0 ? "true" : "false";
    case ParamType::choice: {
      const auto i = static_cast<std::size_t>(value);
      return i < choices.size() ? choices[i] : format_double(value);
    }
    case ParamType::real:
    case ParamType::integer:
    case ParamType::integer_list:
    case ParamType::real_list:
      break;
  }
  return format_double(value);
}

double ParamInfo::parse(std::string_view text) const {
  const auto bad = [&](const std::string& what) {
    return InputError("malformed value for " + name + ": '" + std::string(text) + "' (" + what +
                      ")");
  };
  switch (type) {
    case ParamType::boolean:
      if (text == "true" || text == "1") return 1.0;
      if (text == "false" || text == "0") return 0.0;
      throw bad("expected true or false");
    case ParamType::choice:
      for (std::size_t i = 0; i < choices.size(); ++i)
        if (text == choices[i]) return static_cast<double>(i);
      throw bad("expected one of " + range_text());
    case ParamType::real:
    case ParamType::integer:
    case ParamType::integer_list:
    case ParamType::real_list:
      break;
  }
  auto v = parse_double(text);
  if (!v)
    throw bad(type == ParamType::real || type == ParamType::real_list ? "expected a number"
                                                                      : "expected an integer");
  return *v;
}

std::optional<std::string> ParamInfo::check_list(const std::vector<double>& values) const {
  // An integer list (milestones) needs an item; a number list may be empty ("not given").
  if (values.empty() && type == ParamType::integer_list)
    return name + " must list at least one value";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (auto err = check(values[i])) return err;
    if (type == ParamType::integer_list && i > 0 && !(values[i] > values[i - 1]))
      return name + " must be increasing, got " + format_list(values);
  }
  return std::nullopt;
}

std::string ParamInfo::format_list(const std::vector<double>& values) const {
  if (values.empty()) return "none";
  std::string s;
  for (double v : values) s += (s.empty() ? "" : ";") + format_double(v);
  return s;
}

std::vector<double> ParamInfo::parse_list(std::string_view text) const {
  std::vector<double> values;
  if (text == "none") return values;
  while (true) {
    const auto semi = text.find(';');
    values.push_back(parse(text.substr(0, semi)));
    if (semi == std::string_view::npos) break;
    text.remove_prefix(semi + 1);
  }
  return values;
}

ParamInfo real_param(std::string name, double default_value, double min, double max,
                     std::string doc, bool min_inclusive, bool max_inclusive, bool log_scale) {
  ParamInfo p;
  p.name = std::move(name);
  p.type = ParamType::real;
  p.default_value = default_value;
  p.min = min;
  p.max = max;
  p.min_inclusive = min_inclusive;
  p.max_inclusive = max_inclusive;
  p.log_scale = log_scale;
  p.doc = std::move(doc);
  return p;
}

ParamInfo integer_param(std::string name, double default_value, double min, double max,
                        std::string doc) {
  ParamInfo p;
  p.name = std::move(name);
  p.type = ParamType::integer;
  p.default_value = default_value;
  p.min = min;
  p.max = max;
  p.doc = std::move(doc);
  return p;
}

double ParamSet::get(std::string_view name) const {
  for (const auto& [k, v] : values_)
    if (k == name) return v;
  throw std::logic_error("ParamSet has no parameter '" + std::string(name) + "'");
}

const std::vector<double>& ParamSet::get_list(std::string_view name) const {
  for (const auto& [k, v] : lists_)
    if (k == name) return v;
  throw std::logic_error("ParamSet has no list parameter '" + std::string(name) + "'");
}

void ParamSet::set(std::string_view name, double value) {
  for (auto& [k, v] : values_)
    if (k == name) {
      v = value;
      return;
    }
  values_.emplace_back(std::string(name), value);
}

void ParamSet::set_list(std::string_view name, std::vector<double> values) {
  for (auto& [k, v] : lists_)
    if (k == name) {
      v = std::move(values);
      return;
    }
  lists_.emplace_back(std::string(name), std::move(values));
}

ParamSet default_params(const std::vector<ParamInfo>& infos) {
  ParamSet set;
  for (const auto& p : infos) {
    if (p.is_list())
      set.set_list(p.name, p.default_list);
    else
      set.set(p.name, p.default_value);
  }
  return set;
}

void check_params(std::string_view owner, const std::vector<ParamInfo>& infos,
                  const ParamSet& values) {
  for (const auto& p : infos) {
    if (auto err = p.check(values.get(p.name))) throw InputError(std::string(owner) + ": " + *err);
  }
}

std::string format_spec(std::string_view name, const std::vector<ParamInfo>& infos,
                        const ParamSet& values) {
  std::string s(name);
  char sep = ':';
  for (const auto& p : infos) {
    s += sep;
    s += p.name + "=" +
         (p.is_list() ? p.format_list(values.get_list(p.name)) : p.format(values.get(p.name)));
    sep = ',';
  }
  return s;
}

}  // namespace descent
