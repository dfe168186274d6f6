// Row ranges of a loop spread over threads (the calling one included): the split never changes what
// one row or element computes, so results do not depend on the thread count.
#pragma once

// Compiles a hot loop once per instruction set (AVX-512, AVX2, baseline) and picks one at load time.
// The lambdas handed to parallelRows are separate functions: they call DAG_CLONES functions.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define DAG_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define DAG_CLONES
#endif

#include <thread>

/** Element-wise and column splits fall on multiples of this many floats (four 512-bit vectors). */
constexpr long LANES = 64;
#include <vector>

/**
 * Calls f(r0, r1) on contiguous ranges covering [0, n), at most `threads` of them, every range but
 * the last a multiple of `align` long. Splitting element-wise loops at multiples of the widest
 * vector keeps every element in the same vector lane or remainder as on one thread, so vectorised
 * and remainder code cannot round one element differently.
 */
template <class F>
void parallelRows(long n, int threads, F f, long align = 1) {
  const long parts = threads < 1 ? 1 : (n < threads ? (n < 1 ? 1 : n) : threads);
  const long step = ((n + parts - 1) / parts + align - 1) / align * align;
  if (parts == 1 || step >= n) {
    f(0L, n);
    return;
  }
  std::vector<std::thread> pool;
  for (long at = step; at < n; at += step) pool.emplace_back([=, &f] { f(at, at + step < n ? at + step : n); });
  f(0L, step < n ? step : n);
  for (auto& t : pool) t.join();
}
