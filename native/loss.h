// The projector's training loss with its gradient (loss.cc), and column sums.
#pragma once

#include <cstdint>

/** Weights of the loss terms and the InfoNCE settings (stages/lib/losses.ts LossOptions). */
struct LossSpec {
  double mse;
  double cosine;
  double infonce;
  double temperature;
  bool symmetric;
};

/**
 * The weighted loss of a batch of predictions (n×d) against their targets, `ids` the image of
 * every row; writes d loss / d pred to `grad` (n×d) and returns the loss.
 */
double projectorLoss(const float* pred, const float* target, const int32_t* ids, long n, long d, const LossSpec& spec, float* grad, int threads);

/** out[j] = Σ_i m[i·cols + j], summed in row order in float32 (as a 1×rows by rows×cols product). */
void columnSums(const float* m, long rows, long cols, float* out, int threads);
