// Private: what other libraries (torch.optim, optax, keras) call the keys of descent's optimizers,
// so that a key written in their words is answered with descent's.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace descent {

/// One key that another library spells differently: `library`'s `key` for the optimizers named
/// in `optimizers` (space-separated; empty: every optimizer) is descent's `descent_key` (empty
/// when descent has no such key), with a `note` on how to get the same effect.
struct ForeignKey {
  std::string_view optimizers;
  std::string_view library;
  std::string_view key;
  std::string_view descent_key;
  std::string_view note;
};

/// The whole table, for tests and docs.
std::span<const ForeignKey> foreign_keys();

/// A hint for `key`, unknown to `optimizer` (whose keys are `keys`), when the table knows it,
/// e.g. "torch's alpha is descent's beta"; empty when it does not. An entry whose descent key is
/// not among `keys` is left out.
std::string foreign_key_hint(std::string_view optimizer, std::string_view key,
                             const std::vector<std::string>& keys);

}  // namespace descent
