// Float32/float64 GEMM for x86-64 (AVX-512, AVX2+FMA, SSE2) and any other CPU (the compiler's own
// vectorisation), the instruction set chosen once at load time, spread over threads.
#include "gemm.h"

#include <cstdlib>
#include <mutex>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define DAG_X86_VARIANTS 1
#pragma GCC push_options
#pragma GCC target("avx512f,avx512vl,avx512dq,avx2,fma")
namespace avx512 {
#define VEC_BYTES 64
#include "gemm-kernel.h"
#undef VEC_BYTES
}  // namespace avx512
#pragma GCC pop_options
#pragma GCC push_options
#pragma GCC target("avx2,fma")
namespace avx2 {
#define VEC_BYTES 32
#include "gemm-kernel.h"
#undef VEC_BYTES
}  // namespace avx2
#pragma GCC pop_options
#endif

namespace portable {
#define VEC_BYTES 16
#include "gemm-kernel.h"
#undef VEC_BYTES
}  // namespace portable

namespace {

enum class Isa { Portable, Avx2, Avx512 };

Isa detectIsa() {
  const char* forced = std::getenv("DAG_NATIVE_ISA");
  const std::string want = forced ? forced : "";
#ifdef DAG_X86_VARIANTS
  __builtin_cpu_init();
  const bool has512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq");
  const bool has2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  if (want == "portable") return Isa::Portable;
  if (want == "avx2") return has2 ? Isa::Avx2 : Isa::Portable;
  if (has512) return Isa::Avx512;
  if (has2) return Isa::Avx2;
#endif
  return Isa::Portable;
}

const Isa isa = detectIsa();

const char* isaName() {
  switch (isa) {
    case Isa::Avx512: return "avx512";
    case Isa::Avx2: return "avx2";
    default: return "portable";
  }
}

/** One product for the thread that runs it: its slice of C and its own packing buffers. */
template <typename T>
struct Job {
  const T* a; long lda; bool ta;
  const T* b; long ldb; bool tb;
  long m, n, k;
  T* c; long ldc;
  bool accumulate;
};

/**
 * A packing buffer kept from call to call: allocating megabytes per product would map fresh pages
 * and fault them in every time.
 */
class Scratch {
 public:
  ~Scratch() { std::free(data_); }
  void* reserve(size_t bytes) {
    if (bytes > bytes_) {
      std::free(data_);
      bytes_ = (bytes + 63) / 64 * 64;
      data_ = std::aligned_alloc(64, bytes_);
    }
    return data_;
  }

 private:
  void* data_ = nullptr;
  size_t bytes_ = 0;
};

/** One buffer per slice of a product; products run one at a time (gemmLock). */
std::vector<Scratch> scratch(64);
std::mutex gemmLock;

template <typename T>
void runOn(Isa which, const Job<T>& j, Scratch& s) {
#ifdef DAG_X86_VARIANTS
  if (which == Isa::Avx512) return avx512::gemm<T>({j.a, j.lda, j.ta}, {j.b, j.ldb, j.tb}, j.m, j.n, j.k, j.c, j.ldc, j.accumulate, s.reserve(avx512::packedBytes<T>()));
  if (which == Isa::Avx2) return avx2::gemm<T>({j.a, j.lda, j.ta}, {j.b, j.ldb, j.tb}, j.m, j.n, j.k, j.c, j.ldc, j.accumulate, s.reserve(avx2::packedBytes<T>()));
#endif
  portable::gemm<T>({j.a, j.lda, j.ta}, {j.b, j.ldb, j.tb}, j.m, j.n, j.k, j.c, j.ldc, j.accumulate, s.reserve(portable::packedBytes<T>()));
}

/** Products smaller than this many multiply-adds stay on one thread. */
constexpr double THREADED_MIN_WORK = 1 << 21;

/**
 * Splits C into `threads` contiguous slices along its longer side (at multiples of 32 so tiles
 * stay whole) and runs each slice on a thread of its own, the calling one included.
 */
template <typename T>
void parallelGemm(const Job<T>& job, int threads) {
  std::lock_guard<std::mutex> hold(gemmLock);
  const double work = static_cast<double>(job.m) * job.n * job.k;
  if (threads <= 1 || work < THREADED_MIN_WORK) {
    runOn<T>(isa, job, scratch[0]);
    return;
  }
  const bool byCols = job.n >= job.m;
  const long extent = byCols ? job.n : job.m;
  const long step = ((extent + threads - 1) / threads + 31) / 32 * 32;
  std::vector<Job<T>> parts;
  for (long at = 0; at < extent; at += step) {
    const long len = extent - at < step ? extent - at : step;
    Job<T> part = job;
    if (byCols) {
      part.n = len;
      part.b = job.tb ? job.b + at * job.ldb : job.b + at;
      part.c = job.c + at;
    } else {
      part.m = len;
      part.a = job.ta ? job.a + at : job.a + at * job.lda;
      part.c = job.c + at * job.ldc;
    }
    parts.push_back(part);
  }
  std::vector<std::thread> pool;
  for (size_t t = 1; t < parts.size(); t++) pool.emplace_back([&parts, t] { runOn<T>(isa, parts[t], scratch[t]); });
  runOn<T>(isa, parts[0], scratch[0]);
  for (auto& th : pool) th.join();
}

}  // namespace

const char* gemmIsa() { return isaName(); }

void gemm32(bool ta, bool tb, long m, long n, long k, const float* a, long lda, const float* b, long ldb, float* c, long ldc, bool accumulate, int threads) {
  parallelGemm<float>({a, lda, ta, b, ldb, tb, m, n, k, c, ldc, accumulate}, threads);
}

void gemm64(bool ta, bool tb, long m, long n, long k, const double* a, long lda, const double* b, long ldb, double* c, long ldc, bool accumulate, int threads) {
  parallelGemm<double>({a, lda, ta, b, ldb, tb, m, n, k, c, ldc, accumulate}, threads);
}
