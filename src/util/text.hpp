// Private: splitting and trimming the text of lists (specs, command-line options, files).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace descent {

/// `text` without the spaces and tabs at either end.
std::string_view trim(std::string_view text);

/// The pieces of `text` between the separators, in order and untrimmed: "a,,b" gives "a", "" and
/// "b"; "" gives one empty piece. Callers decide what an empty piece means.
std::vector<std::string_view> split_list(std::string_view text, char separator);

}  // namespace descent

namespace descent {

/// The edit distance between `a` and `b`: insertions, deletions, substitutions and swaps of two
/// neighbouring characters each count 1 ("adma" is 1 from "adam").
std::size_t edit_distance(std::string_view a, std::string_view b);

/// The candidate closest to `word` by edit distance, when it is close enough to be a slip of the
/// keyboard (at most 1 edit for words of up to 5 characters, 2 beyond), or the candidate that
/// `word` begins (3 characters at least); empty when none is. The first wins a tie.
std::string closest(std::string_view word, const std::vector<std::string>& candidates);

/// " (did you mean 'NAME'?)" for closest(word, candidates), or "" when there is none.
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace descent
