// descent: the IDX file format of MNIST and Fashion-MNIST, and the image datasets stored in it.
//
// An IDX file is a big-endian header (two zero bytes, a type code, the number of dimensions, then
// each dimension as a 32-bit count) followed by the values in row-major order. read_idx reads
// plain and gzip-compressed files alike (zlib). load_image_dataset reads the four files of an
// MNIST-style folder (train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte,
// t10k-labels-idx1-ubyte, each optionally with .gz) into float32 images scaled to [0, 1] and
// labels. Every error (a missing file, a wrong magic number, a truncated file, image and label
// counts that differ, a label out of range) is an InputError that names the file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace descent::nn {

/// The element types of the IDX format, by their type codes.
enum class IdxType : std::uint8_t {
  u8 = 0x08,
  i8 = 0x09,
  i16 = 0x0B,
  i32 = 0x0C,
  f32 = 0x0D,
  f64 = 0x0E
};

/// The contents of one IDX file.
struct IdxArray {
  IdxType type = IdxType::u8;
  std::vector<std::size_t> dims;   ///< e.g. {60000, 28, 28}
  std::vector<unsigned char> raw;  ///< the values as stored (big-endian), row-major
  /// The number of values: the product of dims.
  std::size_t size() const;
  /// Value i, exactly (every IDX type fits a double).
  double at(std::size_t i) const;
};

/// Reads an IDX file, gzip-compressed or not. `max_items`, if given, reads only that many items
/// of the first dimension. Throws InputError naming the file and the problem.
IdxArray read_idx(const std::filesystem::path& path,
                  std::optional<std::size_t> max_items = std::nullopt);

/// Writes an IDX file of unsigned bytes (plain), e.g. for tests and small subsets. Every value
/// must be a whole number in [0, 255].
void write_idx_u8(const std::filesystem::path& path, const std::vector<std::size_t>& dims,
                  const std::vector<std::uint8_t>& values);

/// Images and their labels.
struct ImageSet {
  std::size_t count = 0;        ///< images
  std::size_t features = 0;     ///< values per image (28*28 = 784)
  std::vector<float> x;         ///< count x features, row-major, scaled to [0, 1]
  std::vector<std::uint8_t> y;  ///< count labels
};

struct ImageDataset {
  std::filesystem::path folder;
  std::size_t classes = 10;
  ImageSet train;
  ImageSet test;
};

/// Where Debian's dataset-fashion-mnist package puts Fashion-MNIST.
inline const std::filesystem::path kFashionMnistFolder = "/usr/share/datasets/fashion-mnist";

/// Loads an MNIST-style folder (see above). `max_train` and `max_test` read only the first that
/// many examples of each split. Labels must be below 10.
ImageDataset load_image_dataset(const std::filesystem::path& folder,
                                std::optional<std::size_t> max_train = std::nullopt,
                                std::optional<std::size_t> max_test = std::nullopt);

}  // namespace descent::nn
