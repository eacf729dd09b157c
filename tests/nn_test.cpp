// Training models: the IDX reader (plain and gzip, every malformed case named), the installed
// Fashion-MNIST (a slice), and the MLP's gradients against finite differences.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "descent/error.hpp"
#include "descent/nn/idx.hpp"
#include "descent/nn/mlp.hpp"
#include "test_support.hpp"

namespace descent::nn {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

void write_bytes(const fs::path& p, const std::string& bytes) {
  std::ofstream(p, std::ios::binary) << bytes;
}

void write_gzip(const fs::path& p, const std::string& bytes) {
  gzFile f = gzopen(p.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size())),
            static_cast<int>(bytes.size()));
  gzclose(f);
}

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

std::string expect_refused(const fs::path& p) {
  try {
    (void)read_idx(p);
  } catch (const InputError& e) {
    return e.what();
  }
  ADD_FAILURE() << p << " was accepted";
  return {};
}

TEST(Idx, ReadsWhatItWritesPlainAndGzipped) {
  test::TempDir dir;
  const fs::path plain = fs::path(dir.path()) / "a-idx3-ubyte";
  std::vector<std::uint8_t> v(2 * 3 * 4);
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<std::uint8_t>(i * 10);
  write_idx_u8(plain, {2, 3, 4}, v);
  const std::string bytes = read_all(plain);
  EXPECT_EQ(bytes.size(), 4u + 3 * 4 + 24) << "magic, three 32-bit dimensions, the values";
  EXPECT_EQ(bytes.substr(0, 8), std::string("\0\0\x08\x03\0\0\0\x02", 8));
  const fs::path gz = fs::path(dir.path()) / "a-idx3-ubyte.gz";
  write_gzip(gz, bytes);
  for (const fs::path& p : {plain, gz}) {
    const IdxArray a = read_idx(p);
    EXPECT_EQ(a.type, IdxType::u8);
    EXPECT_EQ(a.dims, (std::vector<std::size_t>{2, 3, 4}));
    ASSERT_EQ(a.size(), 24u);
    for (std::size_t i = 0; i < 24; ++i) EXPECT_EQ(a.at(i), static_cast<double>(i * 10)) << p;
  }
  // Only the first items of the first dimension.
  EXPECT_EQ(read_idx(gz, 1).dims, (std::vector<std::size_t>{1, 3, 4}));
  EXPECT_EQ(read_idx(gz, 1).size(), 12u);
}

TEST(Idx, ReadsEveryTypeBigEndian) {
  test::TempDir dir;
  const fs::path p = fs::path(dir.path()) / "t";
  // Two 32-bit floats, -1.5 and 2.
  write_bytes(p, std::string("\0\0\x0D\x01\0\0\0\x02\xBF\xC0\0\0\x40\0\0\0", 16));
  IdxArray a = read_idx(p);
  EXPECT_EQ(a.type, IdxType::f32);
  EXPECT_EQ(a.at(0), -1.5);
  EXPECT_EQ(a.at(1), 2.0);
  // Three signed 16-bit values: -2, 258, 7.
  write_bytes(p, std::string("\0\0\x0B\x01\0\0\0\x03\xFF\xFE\x01\x02\0\x07", 14));
  a = read_idx(p);
  EXPECT_EQ(a.at(0), -2.0);
  EXPECT_EQ(a.at(1), 258.0);
  EXPECT_EQ(a.at(2), 7.0);
}

TEST(Idx, MalformedFilesAreNamed) {
  test::TempDir dir;
  const fs::path p = fs::path(dir.path()) / "bad-idx1-ubyte";
  EXPECT_THAT(expect_refused(p), HasSubstr("does not exist"));
  write_bytes(p, "\x12\x34\x56\x78");
  EXPECT_THAT(expect_refused(p), HasSubstr("does not start with an IDX magic number"));
  EXPECT_THAT(expect_refused(p), HasSubstr(p.string()));
  write_bytes(p, std::string("\0\0\x08", 3));
  EXPECT_THAT(expect_refused(p), HasSubstr("is truncated: it ends inside the header"));
  write_bytes(p, std::string("\0\0\x08\x01\0\0\0\x05\x01\x02", 10));
  EXPECT_THAT(expect_refused(p), HasSubstr("is truncated: it ends inside the values"));
  write_gzip(p, std::string("\0\0\x08\x01\0\0\0\x05\x01\x02", 10));
  EXPECT_THAT(expect_refused(p), HasSubstr("is truncated"));
  EXPECT_THAT(expect_refused(dir.path()), HasSubstr("is a folder"));
}

// A 16-byte header that declares 3,000,000 images of 28x28 (2.35 GB) is refused from the sizes,
// before the values are allocated: plain (against the file's size) and gzipped (as the values
// run out, having allocated no more than it read).
TEST(Idx, AHugeDeclaredSizeInATruncatedFileIsRefusedBeforeAllocating) {
  test::TempDir dir;
  const std::string header("\0\0\x08\x03\x00\x2d\xc6\xc0\0\0\0\x1c\0\0\0\x1c", 16);
  const fs::path plain = fs::path(dir.path()) / "huge-idx3-ubyte";
  write_bytes(plain, header + "abc");
  EXPECT_THAT(expect_refused(plain),
              HasSubstr("its header declares 2352000000 bytes of values, the file holds 3"));
  const fs::path gz = fs::path(dir.path()) / "huge-idx3-ubyte.gz";
  write_gzip(gz, header + "abc");
  EXPECT_THAT(expect_refused(gz),
              HasSubstr("its header declares 2352000000 bytes of values, the file holds 3"));
  // With --train-limit only the first images count: 2 images need 1568 bytes.
  try {
    (void)read_idx(plain, 2);
    ADD_FAILURE() << "accepted";
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(), HasSubstr("declares 1568 bytes of values, the file holds 3"));
  }
}

// Devices and named pipes are refused by name before they are opened (a pipe would block, a
// device never end).
TEST(Idx, DevicesAndPipesAreRefused) {
  EXPECT_THAT(expect_refused("/dev/null"), HasSubstr("is not a regular file"));
  test::TempDir dir;
  const std::string message =
      test::through_fifo((fs::path(dir.path()) / "pipe-idx1-ubyte").string(),
                         std::string("\0\0\x08\x01\0\0\0\x01\x05", 9),
                         [](const std::string& p) { return expect_refused(p); });
  EXPECT_THAT(message, HasSubstr("is not a regular file"));
}

TEST(Idx, DatasetFoldersAreChecked) {
  test::TempDir dir;
  const fs::path d = dir.path();
  std::vector<std::uint8_t> images(3 * 2 * 2, 255), labels = {1, 2, 3};
  write_idx_u8(d / "train-images-idx3-ubyte", {3, 2, 2}, images);
  write_idx_u8(d / "train-labels-idx1-ubyte", {3}, labels);
  write_idx_u8(d / "t10k-images-idx3-ubyte", {2, 2, 2}, std::vector<std::uint8_t>(8, 0));
  try {
    (void)load_image_dataset(d);
    ADD_FAILURE() << "a folder without test labels was accepted";
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(),
                HasSubstr("has no t10k-labels-idx1-ubyte (or t10k-labels-idx1-ubyte.gz)"));
  }
  write_idx_u8(d / "t10k-labels-idx1-ubyte", {3}, {0, 1, 2});
  try {
    (void)load_image_dataset(d);
    ADD_FAILURE() << "2 images with 3 labels were accepted";
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(), HasSubstr("hold 2 images but 3 labels"));
  }
  write_idx_u8(d / "t10k-labels-idx1-ubyte", {2}, {0, 12});
  try {
    (void)load_image_dataset(d);
    ADD_FAILURE() << "label 12 was accepted";
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(), HasSubstr("label 1 is 12, not in 0..9"));
  }
  write_idx_u8(d / "t10k-labels-idx1-ubyte", {2}, {0, 9});
  const ImageDataset ds = load_image_dataset(d);
  EXPECT_EQ(ds.train.count, 3u);
  EXPECT_EQ(ds.train.features, 4u);
  EXPECT_EQ(ds.train.x.front(), 1.0f) << "pixels are scaled to [0, 1]";
  EXPECT_EQ(ds.test.y, (std::vector<std::uint8_t>{0, 9}));
  EXPECT_THROW((void)load_image_dataset(d / "missing"), InputError);
}

TEST(Idx, FashionMnistSliceFromDebiansPackage) {
  // scripts/install-deps.sh --test installs dataset-fashion-mnist.
  const ImageDataset d = load_image_dataset(kFashionMnistFolder, 500, 200);
  EXPECT_EQ(d.train.count, 500u);
  EXPECT_EQ(d.test.count, 200u);
  EXPECT_EQ(d.train.features, 784u);
  // The first training and test images are both ankle boots (class 9).
  EXPECT_EQ(d.train.y[0], 9);
  EXPECT_EQ(d.test.y[0], 9);
  std::vector<std::size_t> per_class(10);
  for (std::uint8_t y : d.train.y) ++per_class[y];
  for (std::size_t c = 0; c < 10; ++c) EXPECT_GT(per_class[c], 20u) << "class " << c;
  float lo = 1, hi = 0;
  for (float v : d.train.x) lo = std::min(lo, v), hi = std::max(hi, v);
  EXPECT_EQ(lo, 0.0f);
  EXPECT_EQ(hi, 1.0f);
}

// Central differences of the mean loss against the analytic gradient, in double.
void expect_exact_gradient(const std::vector<std::size_t>& sizes) {
  Mlp<double> m(sizes);
  m.initialize(3);
  const std::size_t batch = 7;
  std::mt19937_64 rng(5);
  std::normal_distribution<double> normal;
  std::vector<double> x(batch * sizes.front());
  for (double& v : x) v = normal(rng);
  std::vector<std::uint8_t> y(batch);
  for (std::size_t i = 0; i < batch; ++i) y[i] = static_cast<std::uint8_t>(i % sizes.back());
  std::vector<double> g(m.parameter_count()), scratch(m.parameter_count());
  (void)m.loss_and_gradient(x, y, g);
  double worst = 0;
  for (std::size_t i = 0; i < m.parameter_count(); ++i) {
    const double h = 1e-6, keep = m.parameters()[i];
    m.parameters()[i] = keep + h;
    const double up = m.loss_and_gradient(x, y, scratch);
    m.parameters()[i] = keep - h;
    const double down = m.loss_and_gradient(x, y, scratch);
    m.parameters()[i] = keep;
    const double fd = (up - down) / (2 * h);
    worst = std::max(worst, std::abs(fd - g[i]) / std::max(1e-3, std::abs(g[i])));
  }
  // Central differences are accurate to about h^2 * f''' + eps / h, about 1e-9 relative here.
  EXPECT_LT(worst, 1e-6);
}

TEST(Mlp, GradientsMatchFiniteDifferences) {
  expect_exact_gradient({6, 4});        // softmax regression
  expect_exact_gradient({6, 5, 4, 3});  // two hidden ReLU layers
}

TEST(Mlp, FloatAgreesWithDouble) {
  Mlp<double> md({12, 8, 5});
  Mlp<float> mf({12, 8, 5});
  md.initialize(1);
  mf.initialize(1);
  std::vector<double> xd(9 * 12);
  std::vector<float> xf(xd.size());
  for (std::size_t i = 0; i < xd.size(); ++i) xf[i] = static_cast<float>(xd[i] = std::sin(i));
  const std::vector<std::uint8_t> y = {0, 1, 2, 3, 4, 0, 1, 2, 3};
  std::vector<double> gd(md.parameter_count());
  std::vector<float> gf(mf.parameter_count());
  const double ld = md.loss_and_gradient(xd, y, gd);
  const float lf = mf.loss_and_gradient(xf, y, gf);
  EXPECT_NEAR(lf, ld, 1e-5);
  for (std::size_t i = 0; i < gd.size(); ++i) EXPECT_NEAR(gf[i], gd[i], 1e-5) << i;
  // The same batch evaluated: the same loss, and the number of correct answers.
  const auto e = md.evaluate(xd, y);
  EXPECT_NEAR(e.loss, ld, 1e-12);
  EXPECT_LE(e.correct, y.size());
}

TEST(Mlp, LayoutInitializationAndChecks) {
  Mlp<float> m({784, 256, 128, 10});
  EXPECT_EQ(m.parameter_count(), 784u * 256 + 256 + 256 * 128 + 128 + 128 * 10 + 10);
  EXPECT_EQ(m.layers()[1].weight, 784u * 256 + 256);
  m.initialize(0);
  // torch.nn.Linear's bounds: 1/sqrt(784) for the first layer, 1/sqrt(128) for the last.
  float first = 0, last = 0;
  for (std::size_t i = 0; i < m.layers()[1].weight; ++i)
    first = std::max(first, std::abs(m.parameters()[i]));
  for (std::size_t i = m.layers()[2].weight; i < m.parameter_count(); ++i)
    last = std::max(last, std::abs(m.parameters()[i]));
  EXPECT_LE(first, 1 / 28.0f);
  EXPECT_GT(first, 0.99f / 28);
  EXPECT_LE(last, 1 / std::sqrt(128.0f));
  EXPECT_GT(last, 0.9f / std::sqrt(128.0f));
  std::vector<float> g(m.parameter_count());
  EXPECT_EQ(m.tensors(g).size(), 6u);
  std::vector<float> x(784);
  std::vector<std::uint8_t> y = {10};
  EXPECT_THROW((void)m.loss_and_gradient(x, y, g), std::invalid_argument);
  y = {1, 2};
  EXPECT_THROW((void)m.loss_and_gradient(x, y, g), std::invalid_argument);
  EXPECT_THROW(Mlp<float>({784}), InputError);
  EXPECT_THROW(Mlp<float>({784, 0, 10}), InputError);
}

// Softmax regression {4, 3} in double: the logits computed here from the parameters, and each
// label drawn by the inverse of the softmax's distribution function. Evenly spaced numbers in
// [0, 1) then draw each class in proportion to its probability, within one spacing.
TEST(Mlp, SampledLabelsFollowTheSoftmax) {
  Mlp<double> m({4, 3});
  m.initialize(3);
  const std::span<const double> p = m.parameters();  // W (3 x 4, row-major), then b
  const std::vector<double> x = {0.5, -1.0, 2.0, 0.25, -0.3, 0.8, -1.5, 1.2};  // two rows
  const std::size_t draws = 1000;
  for (std::size_t row = 0; row < 2; ++row) {
    double z[3], total = 0;
    for (std::size_t c = 0; c < 3; ++c) {
      z[c] = p[12 + c];
      for (std::size_t j = 0; j < 4; ++j) z[c] += p[c * 4 + j] * x[row * 4 + j];
      total += std::exp(z[c]);
    }
    std::vector<double> xs, u;
    for (std::size_t i = 0; i < draws; ++i) {
      xs.insert(xs.end(), x.begin() + static_cast<std::ptrdiff_t>(row * 4),
                x.begin() + static_cast<std::ptrdiff_t>(row * 4 + 4));
      u.push_back((static_cast<double>(i) + 0.5) / draws);
    }
    std::vector<std::uint8_t> y(draws);
    m.sample_labels(xs, u, y);
    std::size_t count[3] = {0, 0, 0};
    for (std::size_t i = 0; i < draws; ++i) {
      double below = 0;
      std::size_t c = 0;
      while (c < 2 && u[i] >= (below += std::exp(z[c]) / total)) ++c;
      EXPECT_EQ(y[i], c) << "row " << row << ", u = " << u[i];
      ++count[y[i]];
    }
    for (std::size_t c = 0; c < 3; ++c)
      EXPECT_NEAR(static_cast<double>(count[c]) / draws, std::exp(z[c]) / total, 1.0 / draws)
          << "row " << row << ", class " << c;
  }
  std::vector<std::uint8_t> y(1);
  const std::vector<double> one_row(x.begin(), x.begin() + 4);
  const std::vector<double> outside = {1.0}, nan = {std::nan("")}, two = {0.1, 0.2};
  EXPECT_THROW(m.sample_labels(one_row, outside, y), std::invalid_argument);
  EXPECT_THROW(m.sample_labels(one_row, nan, y), std::invalid_argument);
  EXPECT_THROW(m.sample_labels(one_row, two, y), std::invalid_argument);
  EXPECT_THROW(m.sample_labels({}, {}, {}), std::invalid_argument);
  Mlp<double> wide({1, 300});
  const std::vector<double> half = {0.5};
  EXPECT_THROW(wide.sample_labels(half, half, y), std::invalid_argument);
}

// Nine equally likely classes and a tenth of probability 0: the nine probabilities add up to
// slightly less than 1 in floating point, and the largest u still draws the ninth class, not
// the impossible tenth.
TEST(Mlp, SampledLabelsAvoidAClassOfProbabilityZero) {
  Mlp<double> m({1, 10});
  std::fill(m.parameters().begin(), m.parameters().end(), 0.0);
  m.parameters()[m.layers()[0].bias + 9] = -1e4;
  const std::vector<double> x = {1.0, 1.0}, u = {0.0, std::nextafter(1.0, 0.0)};
  std::vector<std::uint8_t> y(2);
  m.sample_labels(x, u, y);
  EXPECT_EQ(y[0], 0);
  EXPECT_EQ(y[1], 8);
}

}  // namespace
}  // namespace descent::nn
