// Private: the median of a sample (the mean of the two middle values for an even count).
#pragma once

#include <algorithm>
#include <vector>

namespace descent::detail {

/// The median of `v`, which must not be empty.
inline double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t m = v.size() / 2;
  return v.size() % 2 == 1 ? v[m] : 0.5 * (v[m - 1] + v[m]);
}

}  // namespace descent::detail
