// Private: splitting and trimming the text of lists (specs, command-line options, files).
#pragma once

#include <string_view>
#include <vector>

namespace descent {

/// `text` without the spaces and tabs at either end.
std::string_view trim(std::string_view text);

/// The pieces of `text` between the separators, in order and untrimmed: "a,,b" gives "a", "" and
/// "b"; "" gives one empty piece. Callers decide what an empty piece means.
std::vector<std::string_view> split_list(std::string_view text, char separator);

}  // namespace descent
