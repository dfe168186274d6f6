// dsyevd of the system LAPACK behind one C++ call (eigen.h); compiled to a stub when the build found none.
#include "eigen.h"

#include <vector>

#ifdef DAG_LAPACK
extern "C" void dsyevd_(const char* jobz, const char* uplo, const int* n, double* a, const int* lda, double* w, double* work, const int* lwork,
                        int* iwork, const int* liwork, int* info);

bool hasLapack() { return true; }

int eigenSymmetric(double* a, long n, double* w) {
  const int size = static_cast<int>(n);
  int info = 0, lwork = -1, liwork = -1, iworkSize = 0;
  double workSize = 0;
  // Column-major LAPACK sees the row-major symmetric matrix unchanged; its eigenvector columns are our rows.
  dsyevd_("V", "U", &size, a, &size, w, &workSize, &lwork, &iworkSize, &liwork, &info);
  if (info != 0) return info;
  lwork = static_cast<int>(workSize);
  liwork = iworkSize;
  std::vector<double> work(lwork > 1 ? lwork : 1);
  std::vector<int> iwork(liwork > 1 ? liwork : 1);
  dsyevd_("V", "U", &size, a, &size, w, work.data(), &lwork, iwork.data(), &liwork, &info);
  return info;
}
#else
bool hasLapack() { return false; }

int eigenSymmetric(double*, long, double*) { return -1000; }
#endif
