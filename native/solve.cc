// The triangular solves' row updates (solve.h), vectorised over the row; one multiply and one add per
// update and element, in the updates' order, so the result is the JavaScript loop's to the bit.
#pragma GCC optimize("fp-contract=off")

#include "solve.h"

#include "parallel.h"

DAG_CLONES void rowUpdates(double* x, long q, long i, const int32_t* rows, const double* factors, long count) {
  double* __restrict y = x + i * q;
  for (long t = 0; t < count; t++) {
    const double* __restrict src = x + static_cast<long>(rows[t]) * q;
    const double a = factors[t];
    for (long j = 0; j < q; j++) y[j] = y[j] + a * src[j];
  }
}
