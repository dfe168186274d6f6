// LayerNorm and GELU (erf form, with the dropout mask folded in) forward and backward in float32
// with float64 row statistics, the formulas of stages/lib/projector.ts, one pass over memory each,
// spread over rows on threads; and dropout masks from a keyed counter hash (projector.ts dropoutMask).
// No fused multiply-adds in the element-wise loops: every element takes the same sequence of
// IEEE operations in the AVX-512, AVX2 and baseline clones (reductions are scalar and in order),
// so the ISA a CPU picks never changes a bit (test/stages/kernels/native-elementwise.test.ts).
#pragma GCC optimize("fp-contract=off")

#include "layers.h"

#include <cmath>
#include <cstring>

#include "parallel.h"
#include "vector-math.h"

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
    const float c = 0.5f * (1 + verf(x[i] * SQRT_HALF));
    cdf[i] = c;
    y[i] = mask == nullptr ? x[i] * c : x[i] * c * mask[i];
  }
}

DAG_CLONES void geluGradRange(const float* dy, const float* mask, const float* x, const float* cdf, long i0, long i1, float* dx) {
  for (long i = i0; i < i1; i++) {
    const float g = mask == nullptr ? dy[i] : dy[i] * mask[i];
    dx[i] = g * (cdf[i] + x[i] * (vexp(-0.5f * x[i] * x[i]) * INV_SQRT_2PI));
  }
}

/** lowbias32 (Chris Wellons's 32-bit integer hash). */
inline uint32_t mix(uint32_t x) {
  x ^= x >> 16;
  x *= 0x7feb352dU;
  x ^= x >> 15;
  x *= 0x846ca68bU;
  x ^= x >> 16;
  return x;
}

DAG_CLONES void maskRange(uint32_t key0, uint32_t key1, uint32_t below, bool all, float scale, long i0, long i1, float* mask) {
  for (long i = i0; i < i1; i++) {
    const uint32_t u = mix(mix(static_cast<uint32_t>(i) ^ key0) + key1);
    mask[i] = all || u < below ? scale : 0.0f;
  }
}

DAG_CLONES void addRange(const float* a, const float* b, long i0, long i1, float* out) {
  for (long i = i0; i < i1; i++) out[i] = a[i] + b[i];
}

}  // namespace

void addArrays(const float* a, const float* b, long n, float* out, int threads) {
  parallelRows(n, threads, [&](long i0, long i1) { addRange(a, b, i0, i1, out); }, LANES);
}

void broadcastRows(const float* v, long rows, long cols, float* out, int threads) {
  parallelRows(rows, threads, [&](long r0, long r1) {
    for (long i = r0; i < r1; i++) std::memcpy(out + i * cols, v, sizeof(float) * cols);
  });
}

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

void dropoutMask(uint32_t key0, uint32_t key1, double threshold, float scale, long n, float* mask, int threads) {
  parallelRows(n, threads, [&](long i0, long i1) { maskRange(key0, key1, static_cast<uint32_t>(threshold < 4294967295.0 ? threshold : 4294967295.0), threshold >= 4294967296.0, scale, i0, i1, mask); }, LANES);
}
