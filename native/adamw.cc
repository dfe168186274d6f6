// torch.optim.AdamW's element-wise update and the gradient norm of clip_grad_norm_, in float32
// like the tfjs path (stages/lib/adamw.ts), spread over threads.
// No fused multiply-adds in the element-wise loops: every element takes the same sequence of
// IEEE operations in the AVX-512, AVX2 and baseline clones (reductions are scalar and in order),
// so the ISA a CPU picks never changes a bit (test/stages/kernels/native-elementwise.test.ts).
#pragma GCC optimize("fp-contract=off")

#include "adamw.h"

#include <cmath>
#include <vector>

#include "parallel.h"

namespace {

constexpr long BLOCK = 4096;

DAG_CLONES void adamwRange(float* p, const float* g, float* m, float* v, long i0, long i1, const AdamWStep s) {
  const float oneMinusBeta1 = 1 - s.beta1, oneMinusBeta2 = 1 - s.beta2;
  for (long i = i0; i < i1; i++) {
    const float gi = g[i] * s.gradScale;
    const float mi = m[i] * s.beta1 + gi * oneMinusBeta1;
    const float vi = v[i] * s.beta2 + gi * gi * oneMinusBeta2;
    m[i] = mi;
    v[i] = vi;
    p[i] = p[i] * s.decay - mi / (std::sqrt(vi) / s.bc2Sqrt + s.eps) * s.stepSize;
  }
}

DAG_CLONES double squares(const float* g, long i0, long i1) {
  double s = 0;
  for (long i = i0; i < i1; i++) s += static_cast<double>(g[i]) * g[i];
  return s;
}

}  // namespace

double sumOfSquares(const float* g, long n, int threads) {
  const long blocks = (n + BLOCK - 1) / BLOCK;
  std::vector<double> partial(blocks);
  parallelRows(blocks, threads, [&](long b0, long b1) {
    for (long b = b0; b < b1; b++) partial[b] = squares(g, b * BLOCK, (b + 1) * BLOCK < n ? (b + 1) * BLOCK : n);
  });
  double total = 0;
  for (double s : partial) total += s;
  return total;
}

void adamwStep(float* p, const float* g, float* m, float* v, long n, const AdamWStep& s, int threads) {
  parallelRows(n, threads, [&](long i0, long i1) { adamwRange(p, g, m, v, i0, i1, s); }, LANES);
}
