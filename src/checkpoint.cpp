#include "descent/checkpoint.hpp"

#include <bit>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <stdexcept>
#include <variant>

#include "descent/error.hpp"
#include "descent/registry.hpp"
#include "util/atomic_file.hpp"
#include "util/input_file.hpp"

namespace descent {
namespace {

constexpr char kMagic[8] = {'D', 'E', 'S', 'C', 'E', 'N', 'T', 'K'};
enum Kind : std::uint8_t { kArray = 0, kReal = 1, kInteger = 2 };

std::uint64_t fnv1a(const std::string& bytes) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

// Little-endian writing and reading (this library targets little-endian machines; the static
// check keeps a big-endian build from writing files other machines would misread).
static_assert(std::endian::native == std::endian::little, "checkpoints assume little-endian");

template <class V>
void put(std::string& out, V v) {
  char b[sizeof(V)];
  std::memcpy(b, &v, sizeof(V));
  out.append(b, sizeof(V));
}

void put_string(std::string& out, std::string_view s) {
  put<std::uint32_t>(out, static_cast<std::uint32_t>(s.size()));
  out.append(s);
}

template <class T>
void put_array(std::string& out, const std::vector<T>& v) {
  put<std::uint64_t>(out, v.size());
  for (T x : v) put<T>(out, x);
}

class Reader {
 public:
  Reader(const std::string& bytes, std::string source) : b_(bytes), src_(std::move(source)) {}
  template <class V>
  V get() {
    need(sizeof(V));
    V v;
    std::memcpy(&v, b_.data() + pos_, sizeof(V));
    pos_ += sizeof(V);
    return v;
  }
  std::string get_string() {
    const auto n = get<std::uint32_t>();
    need(n);
    std::string s = b_.substr(pos_, n);
    pos_ += n;
    return s;
  }
  template <class T>
  std::vector<T> get_array() {
    const auto n = get<std::uint64_t>();
    if (n > (b_.size() - pos_) / sizeof(T)) fail("an array is longer than the file");
    std::vector<T> v(n);
    for (auto& x : v) x = get<T>();
    return v;
  }
  [[noreturn]] void fail(const std::string& why) const {
    throw InputError("checkpoint '" + src_ + "': " + why);
  }
  std::size_t pos() const { return pos_; }

 private:
  void need(std::size_t n) {
    if (n > b_.size() - pos_) fail("truncated");
  }
  const std::string& b_;
  std::string src_;
  std::size_t pos_ = 0;
};

void put_history(std::string& out, const RunHistory& h) {
  const Metrics& m = h.metrics;
  for (double x : {h.start_loss, m.final_loss, m.best_loss}) put<double>(out, x);
  put<std::uint64_t>(out, m.best_step);
  put<std::uint8_t>(out, m.steps_to_tol ? 1 : 0);
  put<std::uint64_t>(out, m.steps_to_tol.value_or(0));
  put<double>(out, m.path_length);
  put_array(out, std::vector<std::uint64_t>(m.zigzags.begin(), m.zigzags.end()));
  put_array(out, std::vector<std::int8_t>(h.step_signs.begin(), h.step_signs.end()));
}

// A history, up to step `step`, of a run of n coordinates, or of one that recorded nothing (no
// zig-zags, no signs). A run with a history ended with every number finite.
RunHistory get_history(Reader& b, std::size_t n, std::uint64_t step) {
  RunHistory h;
  Metrics& m = h.metrics;
  h.start_loss = b.get<double>();
  m.final_loss = b.get<double>();
  m.best_loss = b.get<double>();
  m.best_step = b.get<std::uint64_t>();
  const auto reached = b.get<std::uint8_t>();
  if (reached > 1) b.fail("the steps-to-tol flag is " + std::to_string(reached));
  const auto at = b.get<std::uint64_t>();
  if (reached == 1) m.steps_to_tol = at;
  m.path_length = b.get<double>();
  if (!std::isfinite(h.start_loss) || !std::isfinite(m.final_loss) || !std::isfinite(m.best_loss) ||
      !(m.best_loss <= m.final_loss) || !(m.path_length >= 0.0 && m.path_length < INFINITY))
    b.fail("the history's losses or path length are not those of a run");
  if (m.best_step > step || at > step || (reached == 0 && at != 0))
    b.fail("the history's steps are not within its " + std::to_string(step));
  const auto zigzags = b.get_array<std::uint64_t>();
  const auto signs = b.get_array<std::int8_t>();
  if (zigzags.size() != signs.size() || (!signs.empty() && signs.size() != n))
    b.fail("the history is not of the point's " + std::to_string(n) + " coordinates");
  for (std::int8_t x : signs)
    if (x < -1 || x > 1) b.fail("a step sign of the history is " + std::to_string(x));
  m.zigzags.assign(zigzags.begin(), zigzags.end());
  h.step_signs.assign(signs.begin(), signs.end());
  return h;
}

template <std::floating_point T>
class SaveVisitor final : public StateVisitor<T> {
 public:
  explicit SaveVisitor(std::string& out) : out_(out) {}
  void array(std::string_view name, std::vector<T>& v) override {
    body_ += static_cast<char>(kArray);
    put_string(body_, name);
    put_array(body_, v);
    ++count_;
  }
  void real(std::string_view name, double& v) override {
    body_ += static_cast<char>(kReal);
    put_string(body_, name);
    put<double>(body_, v);
    ++count_;
  }
  void integer(std::string_view name, std::int64_t& v) override {
    body_ += static_cast<char>(kInteger);
    put_string(body_, name);
    put<std::int64_t>(body_, v);
    ++count_;
  }
  void finish() {
    put<std::uint32_t>(out_, count_);
    out_ += body_;
  }

 private:
  std::string& out_;
  std::string body_;
  std::uint32_t count_ = 0;
};

template <std::floating_point T>
using Value = std::variant<std::vector<T>, double, std::int64_t>;

// Assigns the records to the optimizer's state. Every record must be asked for once, with its
// kind and, for arrays, the length the state has at that point.
template <std::floating_point T>
class LoadVisitor final : public StateVisitor<T> {
 public:
  LoadVisitor(std::map<std::string, Value<T>>& records, const Reader& r)
      : records_(records), r_(r) {}
  void array(std::string_view name, std::vector<T>& v) override {
    auto& rec = take(name);
    auto* a = std::get_if<std::vector<T>>(&rec);
    if (!a) r_.fail("record '" + std::string(name) + "' is not an array");
    if (a->size() != v.size())
      r_.fail("array '" + std::string(name) + "' has " + std::to_string(a->size()) +
              " elements, the optimizer expects " + std::to_string(v.size()));
    v = *a;
  }
  void real(std::string_view name, double& v) override {
    auto* x = std::get_if<double>(&take(name));
    if (!x) r_.fail("record '" + std::string(name) + "' is not a real number");
    v = *x;
  }
  void integer(std::string_view name, std::int64_t& v) override {
    auto* x = std::get_if<std::int64_t>(&take(name));
    if (!x) r_.fail("record '" + std::string(name) + "' is not an integer");
    v = *x;
  }
  void check_all_used() const {
    if (used_ != records_.size())
      r_.fail("it holds state the optimizer does not have (written by another version?)");
  }

 private:
  Value<T>& take(std::string_view name) {
    auto it = records_.find(std::string(name));
    if (it == records_.end()) r_.fail("state '" + std::string(name) + "' is missing");
    ++used_;
    return it->second;
  }
  std::map<std::string, Value<T>>& records_;
  const Reader& r_;
  std::size_t used_ = 0;
};

template <std::floating_point T>
Checkpoint<T> load_into_fresh(const std::filesystem::path& path) {
  const std::string src = path.string();
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) require_regular_file(path, "checkpoint");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError("checkpoint '" + src + "' cannot be read");
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  Reader r(bytes, src);
  if (bytes.size() < sizeof(kMagic) + 8 || std::memcmp(bytes.data(), kMagic, sizeof(kMagic)) != 0)
    r.fail("not a descent checkpoint");
  const std::string body = bytes.substr(0, bytes.size() - 8);
  std::uint64_t stored;
  std::memcpy(&stored, bytes.data() + bytes.size() - 8, 8);
  if (stored != fnv1a(body))
    r.fail("the checksum does not match: the file is truncated or corrupted");

  Reader b(body, src);
  for (std::size_t i = 0; i < sizeof(kMagic); ++i) b.get<char>();
  const auto version = b.get<std::uint32_t>();
  if (version < 1 || version > kCheckpointVersion)
    b.fail("format version " + std::to_string(version) + ", this library reads versions 1 to " +
           std::to_string(kCheckpointVersion));
  const auto element = b.get<std::uint32_t>();
  if (element != sizeof(T))
    b.fail("it holds float" + std::to_string(8 * element) + " state, expected float" +
           std::to_string(8 * sizeof(T)));
  Checkpoint<T> c;
  c.version = version;
  c.step = b.get<std::uint64_t>();
  c.spec = b.get_string();
  c.w = b.get_array<T>();
  const auto count = b.get<std::uint32_t>();
  std::map<std::string, Value<T>> records;
  for (std::uint32_t i = 0; i < count; ++i) {
    const auto kind = b.get<std::uint8_t>();
    std::string name = b.get_string();
    Value<T> v;
    switch (kind) {
      case kArray:
        v = b.get_array<T>();
        break;
      case kReal:
        v = b.get<double>();
        break;
      case kInteger:
        v = b.get<std::int64_t>();
        break;
      default:
        b.fail("unknown record kind " + std::to_string(kind));
    }
    if (!records.emplace(std::move(name), std::move(v)).second) b.fail("a record is repeated");
  }
  if (version >= 2) {
    const auto known = b.get<std::uint8_t>();
    if (known > 1) b.fail("the random state's flag is " + std::to_string(known));
    if (known == 1) c.context.random_state = b.get_string();
    const auto settings = b.get<std::uint32_t>();
    for (std::uint32_t i = 0; i < settings; ++i) {
      std::string name = b.get_string();
      if (!c.context.settings.emplace(std::move(name), b.get_string()).second)
        b.fail("a setting is repeated");
    }
  }
  if (version >= 3) {
    const auto known = b.get<std::uint8_t>();
    if (known > 1) b.fail("the history's flag is " + std::to_string(known));
    if (known == 1) c.context.history = get_history(b, c.w.size(), c.step);
  }
  if (b.pos() != body.size()) b.fail("unexpected bytes after the records");

  try {
    c.optimizer = make_optimizer<T>(c.spec);
  } catch (const InputError& e) {
    b.fail(std::string("its optimizer spec is not valid here: ") + e.what());
  }
  c.optimizer->reset(c.w.size());
  LoadVisitor<T> load(records, b);
  try {
    c.optimizer->visit_state(load);
  } catch (const std::invalid_argument& e) {
    b.fail(e.what());
  }
  load.check_all_used();
  // A wrapped optimizer's state holds its base rate, which save_checkpoint wrote with the spec.
  if (const std::string restored = c.optimizer->spec();
      restored != make_optimizer<T>(c.spec)->spec())
    b.fail("its state's learning rate is not its spec's (the state gives '" + restored + "')");
  return c;
}

}  // namespace

template <std::floating_point T>
void save_checkpoint(const std::filesystem::path& path, Optimizer<T>& optimizer,
                     std::span<const T> w, std::uint64_t step, const CheckpointContext& context) {
  if (w.size() != optimizer.size())
    throw std::invalid_argument("save_checkpoint: w does not match the optimizer's size");
  std::string out(kMagic, sizeof(kMagic));
  put<std::uint32_t>(out, kCheckpointVersion);
  put<std::uint32_t>(out, sizeof(T));
  put<std::uint64_t>(out, step);
  put_string(out, optimizer.spec());
  put_array(out, std::vector<T>(w.begin(), w.end()));
  SaveVisitor<T> save(out);
  optimizer.visit_state(save);
  save.finish();
  put<std::uint8_t>(out, context.random_state ? 1 : 0);
  if (context.random_state) put_string(out, *context.random_state);
  put<std::uint32_t>(out, static_cast<std::uint32_t>(context.settings.size()));
  for (const auto& [name, value] : context.settings) {
    put_string(out, name);
    put_string(out, value);
  }
  put<std::uint8_t>(out, context.history ? 1 : 0);
  if (context.history) put_history(out, *context.history);
  put<std::uint64_t>(out, fnv1a(out));
  write_file_atomically(path, out);
}

template <std::floating_point T>
Checkpoint<T> load_checkpoint(const std::filesystem::path& path) {
  return load_into_fresh<T>(path);
}

template <std::floating_point T>
std::uint64_t restore_checkpoint(const std::filesystem::path& path, Optimizer<T>& optimizer,
                                 std::vector<T>& w, CheckpointContext* context) {
  Checkpoint<T> c = load_into_fresh<T>(path);
  // The canonical specs are compared: the file's may be written another way.
  if (c.optimizer->spec() != optimizer.spec())
    throw InputError("checkpoint '" + path.string() + "' is for '" + c.spec + "', not '" +
                     optimizer.spec() + "'");
  // The fresh copy proved the records complete and well formed; copying its state across cannot
  // fail now.
  std::map<std::string, Value<T>> records;
  class Collect final : public StateVisitor<T> {
   public:
    explicit Collect(std::map<std::string, Value<T>>& m) : m_(m) {}
    void array(std::string_view n, std::vector<T>& v) override { m_[std::string(n)] = v; }
    void real(std::string_view n, double& v) override { m_[std::string(n)] = v; }
    void integer(std::string_view n, std::int64_t& v) override { m_[std::string(n)] = v; }

   private:
    std::map<std::string, Value<T>>& m_;
  } collect(records);
  c.optimizer->visit_state(collect);
  optimizer.reset(c.w.size());
  const std::string dummy;
  Reader r(dummy, path.string());
  LoadVisitor<T> load(records, r);
  optimizer.visit_state(load);
  w = std::move(c.w);
  if (context) *context = std::move(c.context);
  return c.step;
}

void restore_random_state(const Objective& f, const CheckpointContext& context,
                          const std::filesystem::path& source) {
  const std::string name = "checkpoint '" + source.string() + "'";
  if (!context.random_state) {
    const std::string mine = f.random_state();
    if (mine.empty()) return;  // exact gradients: nothing to restore
    throw InputError(name +
                     " does not record the state of its random numbers (it was written by an "
                     "older version, or saved without it), so a run with random gradients (" +
                     mine.substr(0, mine.rfind(",evaluations=")) +
                     ") cannot continue it exactly; resume without --noise and --batch, or start "
                     "again");
  }
  try {
    f.set_random_state(*context.random_state);
  } catch (const InputError& e) {
    throw InputError(name + ": " + e.what());
  }
}

template void save_checkpoint<float>(const std::filesystem::path&, Optimizer<float>&,
                                     std::span<const float>, std::uint64_t,
                                     const CheckpointContext&);
template void save_checkpoint<double>(const std::filesystem::path&, Optimizer<double>&,
                                      std::span<const double>, std::uint64_t,
                                      const CheckpointContext&);
template Checkpoint<float> load_checkpoint<float>(const std::filesystem::path&);
template Checkpoint<double> load_checkpoint<double>(const std::filesystem::path&);
template std::uint64_t restore_checkpoint<float>(const std::filesystem::path&, Optimizer<float>&,
                                                 std::vector<float>&, CheckpointContext*);
template std::uint64_t restore_checkpoint<double>(const std::filesystem::path&, Optimizer<double>&,
                                                  std::vector<double>&, CheckpointContext*);

}  // namespace descent
