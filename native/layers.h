// LayerNorm, GELU, dropout masks, residual sums and bias rows of the projector (layers.cc).
#pragma once

#include <cstdint>

/**
 * y = x̂·γ + β per row of x (rows×cols), x̂ = (x − mean)·rstd, rstd = 1/√(biased var + eps);
 * x̂ (rows×cols) and rstd (rows) are kept for the backward pass.
 */
void layerNormForward(const float* x, const float* gamma, const float* beta, long rows, long cols, float eps, float* y, float* xhat, float* rstd, int threads);

/**
 * dx = rstd·(g − mean(g) − x̂·mean(g·x̂)) with g = dy·γ per row; dγ = Σ_rows dy·x̂, dβ = Σ_rows dy.
 */
void layerNormBackward(const float* dy, const float* xhat, const float* rstd, const float* gamma, long rows, long cols, float* dx, float* dgamma, float* dbeta, int threads);

/** y = x·Φ(x) (exact erf form), times mask[i] when mask is not null; Φ(x) kept in cdf; n values. */
void geluForward(const float* x, const float* mask, long n, float* y, float* cdf, int threads);

/** dx = (dy·mask)·(Φ(x) + x·φ(x)) (no mask: dy) over n values. */
void geluBackward(const float* dy, const float* mask, const float* x, const float* cdf, long n, float* dx, int threads);

/** out = a + b over n values (the residual connection, and gradients meeting at one tensor). */
void addArrays(const float* a, const float* b, long n, float* out, int threads);

/** Every row of out (rows×cols) = v (cols values): bias rows for a product to accumulate onto. */
void broadcastRows(const float* v, long rows, long cols, float* out, int threads);

/**
 * n dropout mask values (projector.ts dropoutMask): `scale` where the keyed hash of the element's
 * index, mix(mix(i ^ key0) + key1), is below `threshold`, else 0.
 */
void dropoutMask(uint32_t key0, uint32_t key1, double threshold, float scale, long n, float* mask, int threads);
