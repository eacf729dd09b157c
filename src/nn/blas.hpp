// Private: the matrix product and the row-wise log-softmax that the network code shares.
#pragma once

#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <cstddef>

namespace descent::nn::detail {

// C (m x n) = op(A) * op(B) + beta * C, all row-major, through the system BLAS.
inline void gemm(bool ta, bool tb, std::size_t m, std::size_t n, std::size_t k, const float* a,
                 std::size_t lda, const float* b, std::size_t ldb, float beta, float* c) {
  cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
              static_cast<int>(m), static_cast<int>(n), static_cast<int>(k), 1.0f, a,
              static_cast<int>(lda), b, static_cast<int>(ldb), beta, c, static_cast<int>(n));
}
inline void gemm(bool ta, bool tb, std::size_t m, std::size_t n, std::size_t k, const double* a,
                 std::size_t lda, const double* b, std::size_t ldb, double beta, double* c) {
  cblas_dgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
              static_cast<int>(m), static_cast<int>(n), static_cast<int>(k), 1.0, a,
              static_cast<int>(lda), b, static_cast<int>(ldb), beta, c, static_cast<int>(n));
}

// Each row of the logits (n x c) replaced by its log-softmax, the row's largest value subtracted
// first.
template <class T>
void log_softmax(T* z, std::size_t n, std::size_t c) {
  for (std::size_t i = 0; i < n; ++i) {
    T* row = z + i * c;
    const T m = *std::max_element(row, row + c);
    T sum = 0;
    for (std::size_t j = 0; j < c; ++j) sum += std::exp(row[j] - m);
    const T lse = m + std::log(sum);
    for (std::size_t j = 0; j < c; ++j) row[j] -= lse;
  }
}

}  // namespace descent::nn::detail
