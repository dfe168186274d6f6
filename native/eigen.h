// The symmetric eigensolver of the system LAPACK (eigen.cc), where the build found one.
#pragma once

/** Whether the build linked a system LAPACK (native/build/identity.json names it). */
bool hasLapack();

/**
 * All eigenvalues (ascending, into w) and eigenvectors of the symmetric n×n matrix a (row-major;
 * symmetric, so its own transpose), by LAPACK's dsyevd (divide and conquer). On return row j of a
 * holds the unit eigenvector of w[j]. Returns LAPACK's info (0 = success); -1000 without LAPACK.
 */
int eigenSymmetric(double* a, long n, double* w);
