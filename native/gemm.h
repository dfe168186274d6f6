// The GEMM entry points of gemm.cc: C (m×n, row stride ldc) = op(A)·op(B), or += when `accumulate`.
#pragma once

/** "avx512", "avx2" or "portable": the kernels in use on this CPU. */
const char* gemmIsa();

/** Float32 GEMM over up to `threads` threads; op(A) is m×k with row stride lda, op(B) k×n with ldb. */
void gemm32(bool transA, bool transB, long m, long n, long k, const float* a, long lda, const float* b, long ldb, float* c, long ldc, bool accumulate, int threads);

/** Float64 GEMM, as gemm32. */
void gemm64(bool transA, bool transB, long m, long n, long k, const double* a, long lda, const double* b, long ldb, double* c, long ldc, bool accumulate, int threads);
