// exp and erf for float32 loops the compiler can vectorise (no calls, no branches): Cephes's expf
// polynomial (relative error ~2e-7) and Abramowitz & Stegun 7.1.26 for erf (absolute error
// ≤ 1.5e-7, the formula tfjs's Erf kernel uses).
#pragma once

#include <cstdint>
#include <cstring>

/** e^x for x in float range (inputs below −87.3 give ~1e-38, above 88.3 give ~2e38). */
static inline float vexp(float x) {
  x = x < -87.3f ? -87.3f : (x > 88.3f ? 88.3f : x);
  const float n = __builtin_rintf(x * 1.44269504088896341f);
  const float r = x - n * 0.693359375f + n * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  const float e = p * r * r + r + 1.0f;
  const int32_t bits = (static_cast<int32_t>(n) + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return e * scale;
}

/** erf(x) by Abramowitz & Stegun 7.1.26. */
static inline float verf(float x) {
  const float a = x < 0 ? -x : x;
  const float t = 1.0f / (1.0f + 0.3275911f * a);
  const float poly = t * (0.254829592f + t * (-0.284496736f + t * (1.421413741f + t * (-1.453152027f + t * 1.061405429f))));
  const float y = 1.0f - poly * vexp(-a * a);
  return x < 0 ? -y : y;
}
