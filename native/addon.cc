// dag's native kernels as a Node-API addon: GEMM (gemm.cc), the training loss (loss.cc), AdamW
// (adamw.cc), LayerNorm, GELU, dropout masks and element-wise sums (layers.cc), the system LAPACK's
// eigensolver where the build found one (eigen.cc), on typed arrays the caller owns (views are fine). stages/lib/kernels/native-addon.ts has the
// JS signatures. Misuse (wrong types, arrays too short) throws a TypeError naming the function.
#include <node_api.h>

#include <cstdint>
#include <string>

#include "adamw.h"
#include "eigen.h"
#include "gemm.h"
#include "layers.h"
#include "loss.h"
#include "napi-args.h"
#include "solve.h"

namespace {

/** The element count a rows×cols matrix with row stride ld needs (0 when empty). */
double extent(long rows, long cols, long ld) {
  return rows == 0 || cols == 0 ? 0 : static_cast<double>(rows - 1) * ld + cols;
}

napi_value number(napi_env env, double v) {
  napi_value out;
  napi_create_double(env, v, &out);
  return out;
}

/** gemm(transA, transB, m, n, k, A, lda, B, ldb, C, ldc, accumulate, threads). */
napi_value Gemm(napi_env env, napi_callback_info info) {
  Args args(env, info, "gemm", 13);
  const bool ta = args.flag(0), tb = args.flag(1);
  const long m = args.count(2), n = args.count(3), k = args.count(4);
  const long lda = args.count(6), ldb = args.count(8), ldc = args.count(10);
  const bool accumulate = args.flag(11);
  const int threads = args.threads(12);
  const napi_typedarray_type type = args.typeOf(5);
  const long aRows = ta ? k : m, aCols = ta ? m : k, bRows = tb ? n : k, bCols = tb ? k : n;
  if (type == napi_float64_array) {
    const double* a = args.array<double>(5, type, extent(aRows, aCols, lda));
    const double* b = args.array<double>(7, type, extent(bRows, bCols, ldb));
    double* c = args.array<double>(9, type, extent(m, n, ldc));
    if (aCols > lda || bCols > ldb || n > ldc) args.fail("a row stride is shorter than its row");
    if (args.done()) gemm64(ta, tb, m, n, k, a, lda, b, ldb, c, ldc, accumulate, threads);
  } else {
    const float* a = args.array<float>(5, napi_float32_array, extent(aRows, aCols, lda));
    const float* b = args.array<float>(7, napi_float32_array, extent(bRows, bCols, ldb));
    float* c = args.array<float>(9, napi_float32_array, extent(m, n, ldc));
    if (aCols > lda || bCols > ldb || n > ldc) args.fail("a row stride is shorter than its row");
    if (args.done()) gemm32(ta, tb, m, n, k, a, lda, b, ldb, c, ldc, accumulate, threads);
  }
  return nullptr;
}

/** columnSums(m, rows, cols, out, threads). */
napi_value ColumnSums(napi_env env, napi_callback_info info) {
  Args args(env, info, "columnSums", 5);
  const long rows = args.count(1), cols = args.count(2);
  const float* m = args.array<float>(0, napi_float32_array, static_cast<double>(rows) * cols);
  float* out = args.array<float>(3, napi_float32_array, static_cast<double>(cols));
  const int threads = args.threads(4);
  if (args.done()) columnSums(m, rows, cols, out, threads);
  return nullptr;
}

/** projectorLoss(pred, target, ids, n, d, mse, cosine, infonce, temperature, symmetric, grad, threads) → loss. */
napi_value ProjectorLoss(napi_env env, napi_callback_info info) {
  Args args(env, info, "projectorLoss", 12);
  const long n = args.count(3), d = args.count(4);
  const double size = static_cast<double>(n) * d;
  const float* pred = args.array<float>(0, napi_float32_array, size);
  const float* target = args.array<float>(1, napi_float32_array, size);
  const int32_t* ids = args.array<int32_t>(2, napi_int32_array, static_cast<double>(n));
  const LossSpec spec{args.number(5), args.number(6), args.number(7), args.number(8), args.flag(9)};
  float* grad = args.array<float>(10, napi_float32_array, size);
  const int threads = args.threads(11);
  if (!args.done()) return nullptr;
  return number(env, projectorLoss(pred, target, ids, n, d, spec, grad, threads));
}

/** sumOfSquares(g, threads) → Σ g². */
napi_value SumOfSquares(napi_env env, napi_callback_info info) {
  Args args(env, info, "sumOfSquares", 2);
  size_t length = 0;
  const float* g = args.array<float>(0, napi_float32_array, 0, &length);
  const int threads = args.threads(1);
  if (!args.done()) return nullptr;
  return number(env, sumOfSquares(g, static_cast<long>(length), threads));
}

/** adamwStep(p, g, m, v, gradScale, decay, beta1, beta2, stepSize, bc2Sqrt, eps, threads). */
napi_value AdamwStep(napi_env env, napi_callback_info info) {
  Args args(env, info, "adamwStep", 12);
  size_t length = 0;
  float* p = args.array<float>(0, napi_float32_array, 0, &length);
  const double n = static_cast<double>(length);
  const float* g = args.array<float>(1, napi_float32_array, n);
  float* m = args.array<float>(2, napi_float32_array, n);
  float* v = args.array<float>(3, napi_float32_array, n);
  const AdamWStep step{
    static_cast<float>(args.number(4)), static_cast<float>(args.number(5)), static_cast<float>(args.number(6)), static_cast<float>(args.number(7)),
    static_cast<float>(args.number(8)), static_cast<float>(args.number(9)), static_cast<float>(args.number(10)),
  };
  const int threads = args.threads(11);
  if (args.done()) adamwStep(p, g, m, v, static_cast<long>(length), step, threads);
  return nullptr;
}

/** layerNormForward(x, gamma, beta, rows, cols, eps, y, xhat, rstd, threads). */
napi_value LayerNormForward(napi_env env, napi_callback_info info) {
  Args args(env, info, "layerNormForward", 10);
  const long rows = args.count(3), cols = args.count(4);
  const double size = static_cast<double>(rows) * cols;
  const float* x = args.array<float>(0, napi_float32_array, size);
  const float* gamma = args.array<float>(1, napi_float32_array, static_cast<double>(cols));
  const float* beta = args.array<float>(2, napi_float32_array, static_cast<double>(cols));
  const float eps = static_cast<float>(args.number(5));
  float* y = args.array<float>(6, napi_float32_array, size);
  float* xhat = args.array<float>(7, napi_float32_array, size);
  float* rstd = args.array<float>(8, napi_float32_array, static_cast<double>(rows));
  const int threads = args.threads(9);
  if (args.done()) layerNormForward(x, gamma, beta, rows, cols, eps, y, xhat, rstd, threads);
  return nullptr;
}

/** layerNormBackward(dy, xhat, rstd, gamma, rows, cols, dx, dgamma, dbeta, threads). */
napi_value LayerNormBackward(napi_env env, napi_callback_info info) {
  Args args(env, info, "layerNormBackward", 10);
  const long rows = args.count(4), cols = args.count(5);
  const double size = static_cast<double>(rows) * cols;
  const float* dy = args.array<float>(0, napi_float32_array, size);
  const float* xhat = args.array<float>(1, napi_float32_array, size);
  const float* rstd = args.array<float>(2, napi_float32_array, static_cast<double>(rows));
  const float* gamma = args.array<float>(3, napi_float32_array, static_cast<double>(cols));
  float* dx = args.array<float>(6, napi_float32_array, size);
  float* dgamma = args.array<float>(7, napi_float32_array, static_cast<double>(cols));
  float* dbeta = args.array<float>(8, napi_float32_array, static_cast<double>(cols));
  const int threads = args.threads(9);
  if (args.done()) layerNormBackward(dy, xhat, rstd, gamma, rows, cols, dx, dgamma, dbeta, threads);
  return nullptr;
}

/** geluForward(x, mask, n, y, cdf, threads); an empty mask = none. */
napi_value GeluForward(napi_env env, napi_callback_info info) {
  Args args(env, info, "geluForward", 6);
  const long n = args.count(2);
  const float* x = args.array<float>(0, napi_float32_array, static_cast<double>(n));
  size_t maskLength = 0;
  const float* mask = args.array<float>(1, napi_float32_array, 0, &maskLength);
  if (maskLength != 0 && maskLength < static_cast<size_t>(n)) args.fail("the mask is shorter than n");
  float* y = args.array<float>(3, napi_float32_array, static_cast<double>(n));
  float* cdf = args.array<float>(4, napi_float32_array, static_cast<double>(n));
  const int threads = args.threads(5);
  if (args.done()) geluForward(x, maskLength == 0 ? nullptr : mask, n, y, cdf, threads);
  return nullptr;
}

/** geluBackward(dy, mask, x, cdf, n, dx, threads); an empty mask = none. */
napi_value GeluBackward(napi_env env, napi_callback_info info) {
  Args args(env, info, "geluBackward", 7);
  const long n = args.count(4);
  const double size = static_cast<double>(n);
  const float* dy = args.array<float>(0, napi_float32_array, size);
  size_t maskLength = 0;
  const float* mask = args.array<float>(1, napi_float32_array, 0, &maskLength);
  if (maskLength != 0 && maskLength < static_cast<size_t>(n)) args.fail("the mask is shorter than n");
  const float* x = args.array<float>(2, napi_float32_array, size);
  const float* cdf = args.array<float>(3, napi_float32_array, size);
  float* dx = args.array<float>(5, napi_float32_array, size);
  const int threads = args.threads(6);
  if (args.done()) geluBackward(dy, maskLength == 0 ? nullptr : mask, x, cdf, n, dx, threads);
  return nullptr;
}

/** addArrays(a, b, out, threads), n = out.length. */
napi_value AddArrays(napi_env env, napi_callback_info info) {
  Args args(env, info, "addArrays", 4);
  size_t length = 0;
  float* out = args.array<float>(2, napi_float32_array, 0, &length);
  const double n = static_cast<double>(length);
  const float* a = args.array<float>(0, napi_float32_array, n);
  const float* b = args.array<float>(1, napi_float32_array, n);
  const int threads = args.threads(3);
  if (args.done()) addArrays(a, b, static_cast<long>(length), out, threads);
  return nullptr;
}

/** broadcastRows(v, rows, cols, out, threads). */
napi_value BroadcastRows(napi_env env, napi_callback_info info) {
  Args args(env, info, "broadcastRows", 5);
  const long rows = args.count(1), cols = args.count(2);
  const float* v = args.array<float>(0, napi_float32_array, static_cast<double>(cols));
  float* out = args.array<float>(3, napi_float32_array, static_cast<double>(rows) * cols);
  const int threads = args.threads(4);
  if (args.done()) broadcastRows(v, rows, cols, out, threads);
  return nullptr;
}

/** dropoutMask(key0, key1, threshold, scale, n, mask, threads). */
napi_value DropoutMask(napi_env env, napi_callback_info info) {
  Args args(env, info, "dropoutMask", 7);
  const uint32_t key0 = static_cast<uint32_t>(args.count(0)), key1 = static_cast<uint32_t>(args.count(1));
  const double threshold = args.number(2);
  const float scale = static_cast<float>(args.number(3));
  const long n = args.count(4);
  float* mask = args.array<float>(5, napi_float32_array, static_cast<double>(n));
  const int threads = args.threads(6);
  if (args.done()) dropoutMask(key0, key1, threshold, scale, n, mask, threads);
  return nullptr;
}

/** eigenSymmetric(a, n, values) → LAPACK info; a (n×n, row-major) is overwritten by the eigenvectors as rows. */
napi_value EigenSymmetric(napi_env env, napi_callback_info info) {
  Args args(env, info, "eigenSymmetric", 3);
  const long n = args.count(1);
  double* a = args.array<double>(0, napi_float64_array, static_cast<double>(n) * n);
  double* w = args.array<double>(2, napi_float64_array, static_cast<double>(n));
  if (!args.done()) return nullptr;
  return number(env, eigenSymmetric(a, n, w));
}

/** rowUpdates(x, q, i, rows, factors, count): x[i,:] += factors[t]·x[rows[t],:] in order. */
napi_value RowUpdates(napi_env env, napi_callback_info info) {
  Args args(env, info, "rowUpdates", 6);
  size_t length = 0;
  double* x = args.array<double>(0, napi_float64_array, 0, &length);
  const long q = args.count(1), i = args.count(2), count = args.count(5);
  const int32_t* rows = args.array<int32_t>(3, napi_int32_array, static_cast<double>(count));
  const double* factors = args.array<double>(4, napi_float64_array, static_cast<double>(count));
  if (args.ok() && static_cast<double>(i + 1) * q > static_cast<double>(length)) args.fail("row i lies outside x");
  for (long t = 0; args.ok() && t < count; t++) {
    if (rows[t] < 0 || static_cast<double>(rows[t] + 1) * q > static_cast<double>(length)) args.fail("a row index lies outside x");
  }
  if (args.done()) rowUpdates(x, q, i, rows, factors, count);
  return nullptr;
}

void define(napi_env env, napi_value exports, const char* name, napi_callback f) {
  napi_value fn;
  napi_create_function(env, name, NAPI_AUTO_LENGTH, f, nullptr, &fn);
  napi_set_named_property(env, exports, name, fn);
}

}  // namespace

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  define(env, exports, "gemm", Gemm);
  define(env, exports, "columnSums", ColumnSums);
  define(env, exports, "projectorLoss", ProjectorLoss);
  define(env, exports, "sumOfSquares", SumOfSquares);
  define(env, exports, "adamwStep", AdamwStep);
  define(env, exports, "layerNormForward", LayerNormForward);
  define(env, exports, "layerNormBackward", LayerNormBackward);
  define(env, exports, "geluForward", GeluForward);
  define(env, exports, "geluBackward", GeluBackward);
  define(env, exports, "dropoutMask", DropoutMask);
  define(env, exports, "addArrays", AddArrays);
  define(env, exports, "broadcastRows", BroadcastRows);
  define(env, exports, "eigenSymmetric", EigenSymmetric);
  define(env, exports, "rowUpdates", RowUpdates);
  napi_value lapack;
  napi_get_boolean(env, hasLapack(), &lapack);
  napi_set_named_property(env, exports, "lapack", lapack);
  napi_value isa;
  napi_create_string_utf8(env, gemmIsa(), NAPI_AUTO_LENGTH, &isa);
  napi_set_named_property(env, exports, "isa", isa);
  return exports;
}
