// LayerNorm and GELU (erf form, with the dropout mask folded in) forward and backward in float32
// with float64 row statistics, the formulas of stages/lib/projector.ts, one pass over memory each,
// spread over rows on threads; and the dropout mask from Prng's xoshiro128** stream.
#include "layers.h"

#include <cmath>

#include "parallel.h"

namespace {

constexpr float SQRT_HALF = 0.70710678118654752f;
constexpr float INV_SQRT_2PI = 0.39894228040143268f;

DAG_CLONES void normRows(const float* x, const float* gamma, const float* beta, long r0, long r1, long cols, float eps, float* y, float* xhat, float* rstd) {
  for (long i = r0; i < r1; i++) {
    const float* xi = x + i * cols;
    double s = 0;
    for (long j = 0; j < cols; j++) s += xi[j];
    const float mean = static_cast<float>(s / cols);
    double v = 0;
    for (long j = 0; j < cols; j++) {
      const float c = xi[j] - mean;
      v += static_cast<double>(c) * c;
    }
    const float r = static_cast<float>(1 / std::sqrt(v / cols + eps));
    rstd[i] = r;
    float* hi = xhat + i * cols;
    float* yi = y + i * cols;
    for (long j = 0; j < cols; j++) {
      hi[j] = (xi[j] - mean) * r;
      yi[j] = hi[j] * gamma[j] + beta[j];
    }
  }
}

DAG_CLONES void normGradRows(const float* dy, const float* xhat, const float* rstd, const float* gamma, long r0, long r1, long cols, float* dx) {
  for (long i = r0; i < r1; i++) {
    const float* dyi = dy + i * cols;
    const float* hi = xhat + i * cols;
    double sg = 0, sgh = 0;
    for (long j = 0; j < cols; j++) {
      const float g = dyi[j] * gamma[j];
      sg += g;
      sgh += static_cast<double>(g) * hi[j];
    }
    const float mg = static_cast<float>(sg / cols), mgh = static_cast<float>(sgh / cols);
    float* dxi = dx + i * cols;
    for (long j = 0; j < cols; j++) dxi[j] = rstd[i] * (dyi[j] * gamma[j] - mg - hi[j] * mgh);
  }
}

DAG_CLONES void normParamGrads(const float* dy, const float* xhat, long rows, long cols, long c0, long c1, float* dgamma, float* dbeta) {
  for (long j = c0; j < c1; j++) dgamma[j] = dbeta[j] = 0;
  for (long i = 0; i < rows; i++) {
    const float* dyi = dy + i * cols;
    const float* hi = xhat + i * cols;
    for (long j = c0; j < c1; j++) {
      dgamma[j] += dyi[j] * hi[j];
      dbeta[j] += dyi[j];
    }
  }
}

DAG_CLONES void geluRange(const float* x, const float* mask, long i0, long i1, float* y, float* cdf) {
  for (long i = i0; i < i1; i++) {
    const float c = 0.5f * (1 + std::erf(x[i] * SQRT_HALF));
    cdf[i] = c;
    y[i] = mask == nullptr ? x[i] * c : x[i] * c * mask[i];
  }
}

DAG_CLONES void geluGradRange(const float* dy, const float* mask, const float* x, const float* cdf, long i0, long i1, float* dx) {
  for (long i = i0; i < i1; i++) {
    const float g = mask == nullptr ? dy[i] : dy[i] * mask[i];
    dx[i] = g * (cdf[i] + x[i] * (std::exp(-0.5f * x[i] * x[i]) * INV_SQRT_2PI));
  }
}

}  // namespace

void layerNormForward(const float* x, const float* gamma, const float* beta, long rows, long cols, float eps, float* y, float* xhat, float* rstd, int threads) {
  parallelRows(rows, threads, [&](long r0, long r1) { normRows(x, gamma, beta, r0, r1, cols, eps, y, xhat, rstd); });
}

void layerNormBackward(const float* dy, const float* xhat, const float* rstd, const float* gamma, long rows, long cols, float* dx, float* dgamma, float* dbeta, int threads) {
  parallelRows(rows, threads, [&](long r0, long r1) { normGradRows(dy, xhat, rstd, gamma, r0, r1, cols, dx); });
  parallelRows(cols, threads, [&](long c0, long c1) { normParamGrads(dy, xhat, rows, cols, c0, c1, dgamma, dbeta); }, LANES);
}

void geluForward(const float* x, const float* mask, long n, float* y, float* cdf, int threads) {
  parallelRows(n, threads, [&](long i0, long i1) { geluRange(x, mask, i0, i1, y, cdf); }, LANES);
}

void geluBackward(const float* dy, const float* mask, const float* x, const float* cdf, long n, float* dx, int threads) {
  parallelRows(n, threads, [&](long i0, long i1) { geluGradRange(dy, mask, x, cdf, i0, i1, dx); }, LANES);
}

void dropoutMask(const uint32_t state[4], double threshold, float scale, long n, float* mask) {
  uint32_t s0 = state[0], s1 = state[1], s2 = state[2], s3 = state[3];
  auto rotl = [](uint32_t x, int k) { return (x << k) | (x >> (32 - k)); };
  for (long i = 0; i < n; i++) {
    const uint32_t result = rotl(s1 * 5, 7) * 9;
    const uint32_t t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotl(s3, 11);
    mask[i] = static_cast<double>(result) < threshold ? scale : 0.0f;
  }
}
