#include "descent/nn/idx.hpp"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstring>
#include <fstream>
#include <memory>

#include "descent/error.hpp"
#include "util/input_file.hpp"

namespace descent::nn {
namespace {

std::size_t element_size(IdxType t) {
  switch (t) {
    case IdxType::u8:
    case IdxType::i8:
      return 1;
    case IdxType::i16:
      return 2;
    case IdxType::i32:
    case IdxType::f32:
      return 4;
    case IdxType::f64:
      return 8;
  }
  return 0;
}

bool known_type(std::uint8_t code) {
  return code == 0x08 || code == 0x09 || code == 0x0B || code == 0x0C || code == 0x0D ||
         code == 0x0E;
}

// A gzip or plain file read through zlib (gzread passes plain files through unchanged).
class Reader {
 public:
  explicit Reader(const std::filesystem::path& path) : path_(path) {
    require_regular_file(path, "IDX file");
    std::error_code ec;
    file_size_ = std::filesystem::file_size(path, ec);
    if (ec) fail("cannot be read: " + ec.message());
    file_ = gzopen(path.c_str(), "rb");
    if (file_ == nullptr) fail("cannot be opened");
    gzbuffer(file_, 1 << 17);
    compressed_ = gzdirect(file_) == 0;
  }
  ~Reader() {
    if (file_ != nullptr) gzclose(file_);
  }
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  // Reads exactly n bytes; `what` names them in the error for a short file.
  void read(void* out, std::size_t n, const char* what) {
    const std::size_t got = read_some(out, n);
    if (got < n) fail(std::string("is truncated: it ends inside the ") + what);
  }

  // Appends exactly n bytes to `out`, growing it only as the bytes arrive: a header that
  // declares more than the file holds is refused before its size is allocated (at once for a
  // plain file, whose size is known; as the values run out for a gzip file).
  void read_values(std::vector<unsigned char>& out, std::size_t n) {
    const std::size_t header = static_cast<std::size_t>(gztell(file_));
    if (!compressed_ && (file_size_ < header || n > file_size_ - header))
      short_values(n, file_size_ < header ? 0 : file_size_ - header);
    if (!compressed_) {
      out.resize(n);
      if (read_some(out.data(), n) < n) short_values(n, 0);
      return;
    }
    std::size_t have = 0;
    while (have < n) {
      const std::size_t chunk = std::min(n - have, std::max<std::size_t>(have, 1u << 20));
      out.resize(have + chunk);
      const std::size_t got = read_some(out.data() + have, chunk);
      have += got;
      if (got < chunk) short_values(n, have);
    }
  }

  [[noreturn]] void fail(const std::string& what) const {
    throw InputError("IDX file '" + path_.string() + "' " + what);
  }

 private:
  // Reads up to n bytes, fewer only at the end of the file; returns how many.
  std::size_t read_some(void* out, std::size_t n) {
    auto* p = static_cast<unsigned char*>(out);
    std::size_t done = 0;
    while (done < n) {
      const unsigned chunk = static_cast<unsigned>(std::min<std::size_t>(n - done, 1u << 30));
      const int got = gzread(file_, p + done, chunk);
      if (got < 0) {
        int code = 0;
        const char* msg = gzerror(file_, &code);
        fail(std::string("is not a readable gzip or IDX file (") + msg + ")");
      }
      if (got == 0) break;
      done += static_cast<std::size_t>(got);
    }
    return done;
  }
  [[noreturn]] void short_values(std::size_t declared, std::size_t held) const {
    fail("is truncated: it ends inside the values: its header declares " +
         std::to_string(declared) + " bytes of values, the file holds " + std::to_string(held));
  }
  std::filesystem::path path_;
  gzFile file_ = nullptr;
  std::uintmax_t file_size_ = 0;
  bool compressed_ = false;
};

std::uint32_t big_endian_u32(const unsigned char* b) {
  return (std::uint32_t{b[0]} << 24) | (std::uint32_t{b[1]} << 16) | (std::uint32_t{b[2]} << 8) |
         std::uint32_t{b[3]};
}

// Value i of a big-endian buffer of type t.
double decode(IdxType t, const unsigned char* b) {
  switch (t) {
    case IdxType::u8:
      return b[0];
    case IdxType::i8:
      return static_cast<std::int8_t>(b[0]);
    case IdxType::i16:
      return static_cast<std::int16_t>((b[0] << 8) | b[1]);
    case IdxType::i32:
      return static_cast<std::int32_t>(big_endian_u32(b));
    case IdxType::f32:
      return std::bit_cast<float>(big_endian_u32(b));
    case IdxType::f64: {
      std::uint64_t v = 0;
      for (int k = 0; k < 8; ++k) v = (v << 8) | b[k];
      return std::bit_cast<double>(v);
    }
  }
  return 0;
}

}  // namespace

double IdxArray::at(std::size_t i) const {
  return decode(type, raw.data() + i * element_size(type));
}

std::size_t IdxArray::size() const {
  std::size_t n = 1;
  for (std::size_t d : dims) n *= d;
  return dims.empty() ? 0 : n;
}

IdxArray read_idx(const std::filesystem::path& path, std::optional<std::size_t> max_items) {
  Reader in(path);
  std::array<unsigned char, 4> magic{};
  in.read(magic.data(), 4, "header");
  if (magic[0] != 0 || magic[1] != 0 || !known_type(magic[2]) || magic[3] == 0)
    in.fail("does not start with an IDX magic number (0x00 0x00, a type code, a dimension count)");
  IdxArray a;
  a.type = static_cast<IdxType>(magic[2]);
  std::vector<unsigned char> header(4 * std::size_t{magic[3]});
  in.read(header.data(), header.size(), "header");
  double total = 1;
  for (std::size_t k = 0; k < magic[3]; ++k) {
    a.dims.push_back(big_endian_u32(header.data() + 4 * k));
    total *= static_cast<double>(a.dims.back());
  }
  if (total * static_cast<double>(element_size(a.type)) > 8e9)
    in.fail("declares more than 8 GB of values");
  if (max_items && *max_items < a.dims[0]) a.dims[0] = *max_items;
  in.read_values(a.raw, a.size() * element_size(a.type));
  return a;
}

void write_idx_u8(const std::filesystem::path& path, const std::vector<std::size_t>& dims,
                  const std::vector<std::uint8_t>& values) {
  std::string bytes = {0, 0, static_cast<char>(IdxType::u8), static_cast<char>(dims.size())};
  std::size_t n = 1;
  for (std::size_t d : dims) {
    n *= d;
    for (int shift = 24; shift >= 0; shift -= 8) bytes.push_back(static_cast<char>(d >> shift));
  }
  if (n != values.size())
    throw InputError("write_idx_u8: the dimensions hold " + std::to_string(n) + " values, not " +
                     std::to_string(values.size()));
  bytes.append(reinterpret_cast<const char*>(values.data()), values.size());
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw InputError("cannot write '" + path.string() + "'");
}

namespace {

// The file called `name` in `folder`, or `name.gz`.
std::filesystem::path find_file(const std::filesystem::path& folder, const std::string& name) {
  if (std::filesystem::exists(folder / name)) return folder / name;
  if (std::filesystem::exists(folder / (name + ".gz"))) return folder / (name + ".gz");
  throw InputError("dataset folder '" + folder.string() + "' has no " + name + " (or " + name +
                   ".gz)" +
                   (folder == kFashionMnistFolder
                        ? "; install Debian's dataset-fashion-mnist package, or give --data DIR"
                        : ""));
}

ImageSet load_split(const std::filesystem::path& folder, const std::string& prefix,
                    std::optional<std::size_t> max) {
  const std::filesystem::path images = find_file(folder, prefix + "-images-idx3-ubyte");
  const std::filesystem::path labels = find_file(folder, prefix + "-labels-idx1-ubyte");
  const IdxArray xi = read_idx(images, max);
  const IdxArray yi = read_idx(labels, max);
  if (xi.type != IdxType::u8 || xi.dims.size() != 3)
    throw InputError("IDX file '" + images.string() +
                     "' does not hold images (unsigned bytes, 3 dimensions)");
  if (yi.type != IdxType::u8 || yi.dims.size() != 1)
    throw InputError("IDX file '" + labels.string() +
                     "' does not hold labels (unsigned bytes, 1 dimension)");
  if (xi.dims[0] != yi.dims[0])
    throw InputError("IDX files '" + images.string() + "' and '" + labels.string() + "' hold " +
                     std::to_string(xi.dims[0]) + " images but " + std::to_string(yi.dims[0]) +
                     " labels");
  ImageSet s;
  s.count = xi.dims[0];
  s.features = xi.dims[1] * xi.dims[2];
  s.x.resize(xi.raw.size());
  for (std::size_t i = 0; i < s.x.size(); ++i) s.x[i] = static_cast<float>(xi.raw[i]) / 255.0f;
  s.y.resize(s.count);
  for (std::size_t i = 0; i < s.count; ++i) {
    if (yi.raw[i] >= 10)
      throw InputError("IDX file '" + labels.string() + "': label " + std::to_string(i) + " is " +
                       std::to_string(static_cast<int>(yi.raw[i])) + ", not in 0..9");
    s.y[i] = yi.raw[i];
  }
  return s;
}

}  // namespace

ImageDataset load_image_dataset(const std::filesystem::path& folder,
                                std::optional<std::size_t> max_train,
                                std::optional<std::size_t> max_test) {
  if (!std::filesystem::is_directory(folder))
    throw InputError("dataset folder '" + folder.string() + "' does not exist" +
                     (folder == kFashionMnistFolder
                          ? "; install Debian's dataset-fashion-mnist package, or give --data DIR"
                          : ""));
  ImageDataset d;
  d.folder = folder;
  d.train = load_split(folder, "train", max_train);
  d.test = load_split(folder, "t10k", max_test);
  if (d.train.features != d.test.features)
    throw InputError("dataset folder '" + folder.string() + "': training images have " +
                     std::to_string(d.train.features) + " pixels but test images " +
                     std::to_string(d.test.features));
  return d;
}

}  // namespace descent::nn
