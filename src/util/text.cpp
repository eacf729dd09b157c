#include "util/text.hpp"

namespace descent {

std::string_view trim(std::string_view s) {
  const auto space = [](char c) { return c == ' ' || c == '\t'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> split_list(std::string_view text, char separator) {
  std::vector<std::string_view> out;
  for (;;) {
    const std::size_t next = text.find(separator);
    out.push_back(text.substr(0, next));
    if (next == std::string_view::npos) return out;
    text.remove_prefix(next + 1);
  }
}

}  // namespace descent
