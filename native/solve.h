// Row updates of a triangular solve (solve.cc): linalg/cholesky.ts's inner loop, vectorised.
#pragma once

#include <cstdint>

/**
 * x[i·q + j] += factors[t]·x[rows[t]·q + j] for t = 0 … count−1 in order and every j < q: each
 * element takes the updates one by one, as a multiply then an add, the JavaScript loop's bits.
 */
void rowUpdates(double* x, long q, long i, const int32_t* rows, const double* factors, long count);
