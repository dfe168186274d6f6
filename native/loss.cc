// The projector's training loss on the CPU: weighted MSE + cosine-embedding + in-batch InfoNCE and
// their gradient with respect to the predictions, the formulas of stages/lib/losses.ts. Row
// reductions are float64; every per-row value is written first and summed in row order after,
// so the result does not depend on the thread count.
// No fused multiply-adds in the element-wise loops: every element takes the same sequence of
// IEEE operations in the AVX-512, AVX2 and baseline clones (reductions are scalar and in order),
// so the ISA a CPU picks never changes a bit (test/stages/kernels/native-elementwise.test.ts).
#pragma GCC optimize("fp-contract=off")

#include "loss.h"

#include <cmath>
#include <vector>

#include "gemm.h"
#include "parallel.h"
#include "vector-math.h"

namespace {

constexpr double COSINE_EPS = 1e-12;
constexpr double NORMALIZE_EPS = 1e-12;
constexpr float MASKED_LOGIT = -1e9f;

double sum(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return s;
}

/** torch MSELoss: mean (ŷ − y)², gradient 2(ŷ − y)/size, scaled by w into grad. */
double mse(const float* p, const float* y, long n, long d, double w, float* grad, int threads) {
  std::vector<double> rows(n);
  const float g = static_cast<float>(2.0 / (static_cast<double>(n) * d));
  const float wf = static_cast<float>(w);
  parallelRows(n, threads, [&](long r0, long r1) {
    for (long i = r0; i < r1; i++) {
      double s = 0;
      for (long j = 0; j < d; j++) {
        const float diff = p[i * d + j] - y[i * d + j];
        s += static_cast<double>(diff) * diff;
        grad[i * d + j] += wf * (diff * g);
      }
      rows[i] = s;
    }
  });
  return sum(rows) / (static_cast<double>(n) * d);
}

/** torch CosineEmbeddingLoss (target 1): mean 1 − d/√(a·b); gradient (ŷ·d/a − y)/(√(a·b)·n). */
double cosine(const float* p, const float* y, long n, long d, double w, float* grad, int threads) {
  std::vector<double> rows(n);
  parallelRows(n, threads, [&](long r0, long r1) {
    for (long i = r0; i < r1; i++) {
      const float* pi = p + i * d;
      const float* yi = y + i * d;
      double dot = 0, a = COSINE_EPS, b = COSINE_EPS;
      for (long j = 0; j < d; j++) {
        dot += static_cast<double>(pi[j]) * yi[j];
        a += static_cast<double>(pi[j]) * pi[j];
        b += static_cast<double>(yi[j]) * yi[j];
      }
      const double root = std::sqrt(a * b);
      rows[i] = 1 - dot / root;
      const float scale = static_cast<float>(dot / a);
      const float inv = static_cast<float>(w / (root * n));
      for (long j = 0; j < d; j++) grad[i * d + j] += (pi[j] * scale - yi[j]) * inv;
    }
  });
  return sum(rows) / n;
}

/** Rows [r0, r1) of x over their L2 norms (at least 1e-12) into unit; the norms into norm. */
DAG_CLONES void normalizeRows(const float* x, long r0, long r1, long d, float* unit, double* norm) {
  for (long i = r0; i < r1; i++) {
    double s = 0;
    for (long j = 0; j < d; j++) s += static_cast<double>(x[i * d + j]) * x[i * d + j];
    const double nr = std::fmax(std::sqrt(s), NORMALIZE_EPS);
    norm[i] = nr;
    const float inv = static_cast<float>(1 / nr);
    for (long j = 0; j < d; j++) unit[i * d + j] = x[i * d + j] * inv;
  }
}

/**
 * Rows [r0, r1) of the logits s (n×n, q·kᵀ on entry): scaled by 1/τ and masked in place; their
 * softmax into p, their log-sum-exp into lse, and the positive logit q_i·k_i/τ into positive.
 */
DAG_CLONES void softmaxRows(float* s, const float* q, const float* k, const int32_t* ids, long r0, long r1, long n, long d, double temperature, float* p, double* lse, double* positive) {
  const float invT = static_cast<float>(1 / temperature);
  for (long i = r0; i < r1; i++) {
    float* si = s + i * n;
    for (long j = 0; j < n; j++) {
      si[j] *= invT;
      if (j != i && ids[i] == ids[j]) si[j] += MASKED_LOGIT;
    }
    double dot = 0;
    for (long j = 0; j < d; j++) dot += static_cast<double>(q[i * d + j]) * k[i * d + j];
    positive[i] = dot / temperature;
    float max = si[0];
    for (long j = 1; j < n; j++) max = si[j] > max ? si[j] : max;
    float* pi = p + i * n;
    double total = 0;
    for (long j = 0; j < n; j++) {
      pi[j] = vexp(si[j] - max);
      total += pi[j];
    }
    lse[i] = max + std::log(total);
    const float inv = static_cast<float>(1 / total);
    for (long j = 0; j < n; j++) pi[j] *= inv;
  }
}

/** Columns [c0, c1) of s (n×n): their maxima and Σ exp(s − max). */
DAG_CLONES void columnTotals(const float* s, long c0, long c1, long n, float* colMax, double* colTotal) {
  for (long j = c0; j < c1; j++) colMax[j] = s[j];
  for (long i = 1; i < n; i++) for (long j = c0; j < c1; j++) colMax[j] = s[i * n + j] > colMax[j] ? s[i * n + j] : colMax[j];
  for (long j = c0; j < c1; j++) colTotal[j] = 0;
  for (long i = 0; i < n; i++) for (long j = c0; j < c1; j++) colTotal[j] += vexp(s[i * n + j] - colMax[j]);
}

/** Rows [r0, r1) of both (n×n) += the column softmax of s, transposed back. */
DAG_CLONES void addColumnSoftmax(const float* s, const float* colMax, const float* colInv, long r0, long r1, long n, float* both) {
  for (long i = r0; i < r1; i++) {
    for (long j = 0; j < n; j++) both[i * n + j] += vexp(s[i * n + j] - colMax[j]) * colInv[j];
  }
}

/** Rows [r0, r1): dq = (dq − c·k)·scale, then grad += (dq − q·⟨q, dq⟩)·w/‖ŷ‖. */
DAG_CLONES void infoNceGradRows(float* dq, const float* q, const float* k, const double* qNorm, long r0, long r1, long d, float c, float scale, double w, float* grad) {
  for (long i = r0; i < r1; i++) {
    float* dqi = dq + i * d;
    const float* qi = q + i * d;
    double dot = 0;
    for (long j = 0; j < d; j++) {
      dqi[j] = (dqi[j] - c * k[i * d + j]) * scale;
      dot += static_cast<double>(qi[j]) * dqi[j];
    }
    const float proj = static_cast<float>(dot);
    const float inv = static_cast<float>(w / qNorm[i]);
    for (long j = 0; j < d; j++) grad[i * d + j] += (dqi[j] - qi[j] * proj) * inv;
  }
}

/** In-batch InfoNCE (losses.ts infoNceTerm), gradient scaled by w into grad. */
double infoNce(const float* p, const float* y, const int32_t* ids, long n, long d, double temperature, bool symmetric, double w, float* grad, int threads) {
  std::vector<float> q(n * d), k(n * d), s(n * n), both(n * n), dq(n * d);
  std::vector<double> qNorm(n), kNorm(n), positive(n), rowLse(n);
  parallelRows(n, threads, [&](long r0, long r1) {
    normalizeRows(p, r0, r1, d, q.data(), qNorm.data());
    normalizeRows(y, r0, r1, d, k.data(), kNorm.data());
  });
  gemm32(false, true, n, n, d, q.data(), d, k.data(), d, s.data(), n, false, threads);
  parallelRows(n, threads, [&](long r0, long r1) {
    softmaxRows(s.data(), q.data(), k.data(), ids, r0, r1, n, d, temperature, both.data(), rowLse.data(), positive.data());
  });
  std::vector<double> terms(n);
  for (long i = 0; i < n; i++) terms[i] = rowLse[i] - positive[i];
  double value = sum(terms) / n;
  if (symmetric) {
    // The row softmax of Sᵀ (column softmax of S), added to `both` transposed back: both = P + Qᵀ.
    std::vector<float> colMax(n), colInv(n);
    std::vector<double> colTotal(n);
    parallelRows(n, threads, [&](long c0, long c1) { columnTotals(s.data(), c0, c1, n, colMax.data(), colTotal.data()); }, LANES);
    for (long j = 0; j < n; j++) {
      terms[j] = colMax[j] + std::log(colTotal[j]) - positive[j];
      colInv[j] = static_cast<float>(1 / colTotal[j]);
    }
    value = 0.5 * (value + sum(terms) / n);
    parallelRows(n, threads, [&](long r0, long r1) { addColumnSoftmax(s.data(), colMax.data(), colInv.data(), r0, r1, n, both.data()); });
  }
  // dq = (both·k − c·k)/(c·n·τ), c = 2 when symmetric (both = P + Qᵀ) else 1.
  gemm32(false, false, n, d, n, both.data(), n, k.data(), d, dq.data(), d, false, threads);
  const float c = symmetric ? 2.0f : 1.0f;
  const float scale = static_cast<float>(1 / (c * n * temperature));
  parallelRows(n, threads, [&](long r0, long r1) { infoNceGradRows(dq.data(), q.data(), k.data(), qNorm.data(), r0, r1, d, c, scale, w, grad); });
  return value;
}

/** Columns [c0, c1) of m (rows×cols) summed over rows in order. */
DAG_CLONES void sumColumns(const float* m, long rows, long cols, long c0, long c1, float* out) {
  for (long j = c0; j < c1; j++) out[j] = 0;
  for (long i = 0; i < rows; i++) for (long j = c0; j < c1; j++) out[j] += m[i * cols + j];
}

}  // namespace

double projectorLoss(const float* pred, const float* target, const int32_t* ids, long n, long d, const LossSpec& spec, float* grad, int threads) {
  for (long i = 0; i < n * d; i++) grad[i] = 0;
  double value = 0;
  if (spec.mse != 0) value += spec.mse * mse(pred, target, n, d, spec.mse, grad, threads);
  if (spec.cosine != 0) value += spec.cosine * cosine(pred, target, n, d, spec.cosine, grad, threads);
  if (spec.infonce != 0) value += spec.infonce * infoNce(pred, target, ids, n, d, spec.temperature, spec.symmetric, spec.infonce, grad, threads);
  return value;
}

void columnSums(const float* m, long rows, long cols, float* out, int threads) {
  parallelRows(cols, threads, [&](long c0, long c1) { sumColumns(m, rows, cols, c0, c1, out); }, LANES);
}
