// AdamW's update and the squared gradient norm for clipping (adamw.cc).
#pragma once

/** One AdamW step's constants (stages/lib/adamw.ts has the update). */
struct AdamWStep {
  float gradScale;  // the clipping factor applied to g first (1 = none)
  float decay;      // 1 − lr·weight_decay
  float beta1;
  float beta2;
  float stepSize;   // lr / (1 − β1^t)
  float bc2Sqrt;    // √(1 − β2^t)
  float eps;
};

/** Σ g² in float64, summed in fixed blocks and then in order (the same for any thread count). */
double sumOfSquares(const float* g, long n, int threads);

/** p, m and v (n values each) updated in place by one AdamW step with gradient g·gradScale. */
void adamwStep(float* p, const float* g, float* m, float* v, long n, const AdamWStep& s, int threads);
