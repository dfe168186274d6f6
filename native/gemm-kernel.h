// Packed GEMM C = op(A)·op(B) (or C += …) for one instruction set, float32 and float64.
//
// Included once per instruction set, inside a namespace of its own and between target pragmas
// (gemm.cc), with VEC_BYTES set to that set's vector width. The loops are BLIS's: B is packed
// in KC×NC blocks of NR-column micro-panels, A in MC×KC blocks of MR-row micro-panels, and a
// register-blocked MR×NR micro-kernel walks one pair of micro-panels. Every element of C is summed
// over k in the same order (k ascending, one fused multiply-add per step where the set has FMA)
// whatever its position in a tile, the split over threads or the instruction set with FMA, so
// results do not depend on the thread count.

template <typename T> struct Vec;
template <> struct Vec<float> { typedef float type __attribute__((vector_size(VEC_BYTES))); };
template <> struct Vec<double> { typedef double type __attribute__((vector_size(VEC_BYTES))); };

/** Rows of C per micro-tile: 12 with 32 vector registers, 6 with 16. */
constexpr int MR = VEC_BYTES == 64 ? 12 : 6;
/**
 * Inner-dimension depth of one packed block: 512 measured ~10% faster than 256 on 4096-row
 * training products (fewer passes over C; the 64 KiB B micro-panel streams from L2).
 */
constexpr long KC = 512;
/** Rows of A per packed block (a multiple of MR; MC×KC stays in L2). */
constexpr long MC = 16 * MR;
/** Columns of B per packed block (KC×NC in L3). */
constexpr long NC = 3072;

/** Columns of C per micro-tile: two vectors. */
template <typename T> constexpr int nr() { return 2 * VEC_BYTES / static_cast<int>(sizeof(T)); }

/** A strided matrix as the product reads it: element (i, j) of op(M). */
template <typename T> struct Operand {
  const T* p;
  long ld;
  bool trans;
  inline T at(long i, long j) const { return trans ? p[j * ld + i] : p[i * ld + j]; }
};

/** Packs rows [i0, i0+mc) × depth [p0, p0+kc) of op(A) into MR-row micro-panels, zero-padded. */
template <typename T>
static void packA(const Operand<T>& a, long i0, long mc, long p0, long kc, T* dst) {
  for (long ir = 0; ir < mc; ir += MR) {
    const int rows = static_cast<int>(mc - ir < MR ? mc - ir : MR);
    T* out = dst + ir * kc;
    if (!a.trans) {
      for (int i = 0; i < rows; i++) {
        const T* src = a.p + (i0 + ir + i) * a.ld + p0;
        for (long p = 0; p < kc; p++) out[p * MR + i] = src[p];
      }
    } else {
      for (long p = 0; p < kc; p++) {
        const T* src = a.p + (p0 + p) * a.ld + i0 + ir;
        for (int i = 0; i < rows; i++) out[p * MR + i] = src[i];
      }
    }
    if (rows < MR) for (long p = 0; p < kc; p++) for (int i = rows; i < MR; i++) out[p * MR + i] = 0;
  }
}

/** Packs depth [p0, p0+kc) × columns [j0, j0+nc) of op(B) into NR-column micro-panels, zero-padded. */
template <typename T>
static void packB(const Operand<T>& b, long p0, long kc, long j0, long nc, T* dst) {
  constexpr int NR = nr<T>();
  for (long jr = 0; jr < nc; jr += NR) {
    const int cols = static_cast<int>(nc - jr < NR ? nc - jr : NR);
    T* out = dst + jr * kc;
    if (!b.trans) {
      for (long p = 0; p < kc; p++) {
        const T* src = b.p + (p0 + p) * b.ld + j0 + jr;
        T* o = out + p * NR;
        for (int j = 0; j < cols; j++) o[j] = src[j];
        for (int j = cols; j < NR; j++) o[j] = 0;
      }
    } else {
      for (int j = 0; j < cols; j++) {
        const T* src = b.p + (j0 + jr + j) * b.ld + p0;
        for (long p = 0; p < kc; p++) out[p * NR + j] = src[p];
      }
      if (cols < NR) for (long p = 0; p < kc; p++) for (int j = cols; j < NR; j++) out[p * NR + j] = 0;
    }
  }
}

/**
 * One MR×NR tile: acc = Σ_p a[p]·b[p] over kc packed steps, then C (mr×nr of it) = acc, or += acc
 * when `add`.
 */
template <typename T>
static inline void micro(long kc, const T* __restrict a, const T* __restrict b, T* __restrict c, long ldc, int mr, int nr_, bool add) {
  typedef typename Vec<T>::type V;
  constexpr int W = VEC_BYTES / static_cast<int>(sizeof(T));
  constexpr int NR = 2 * W;
  V acc0[MR], acc1[MR];
  for (int i = 0; i < MR; i++) { acc0[i] = V{}; acc1[i] = V{}; }
  for (long p = 0; p < kc; p++) {
    V b0, b1;
    __builtin_memcpy(&b0, b + p * NR, sizeof(V));
    __builtin_memcpy(&b1, b + p * NR + W, sizeof(V));
    const T* ap = a + p * MR;
    for (int i = 0; i < MR; i++) {
      const T s = ap[i];
      acc0[i] += s * b0;
      acc1[i] += s * b1;
    }
  }
  if (mr == MR && nr_ == NR) {
    for (int i = 0; i < MR; i++) {
      T* ci = c + i * ldc;
      V c0 = acc0[i], c1 = acc1[i];
      if (add) {
        V o0, o1;
        __builtin_memcpy(&o0, ci, sizeof(V));
        __builtin_memcpy(&o1, ci + W, sizeof(V));
        c0 += o0;
        c1 += o1;
      }
      __builtin_memcpy(ci, &c0, sizeof(V));
      __builtin_memcpy(ci + W, &c1, sizeof(V));
    }
    return;
  }
  T tile[MR * NR];
  for (int i = 0; i < MR; i++) {
    __builtin_memcpy(tile + i * NR, &acc0[i], sizeof(V));
    __builtin_memcpy(tile + i * NR + W, &acc1[i], sizeof(V));
  }
  for (int i = 0; i < mr; i++) {
    T* ci = c + i * ldc;
    for (int j = 0; j < nr_; j++) ci[j] = add ? ci[j] + tile[i * NR + j] : tile[i * NR + j];
  }
}

/**
 * C (m×n, row stride ldc) = op(A)·op(B), or += when `accumulate`; op(A) is m×k, op(B) k×n.
 * `packedA` holds MC×KC values and `packedB` KC×NC, both aligned to VEC_BYTES.
 */
template <typename T>
static void gemmPacked(const Operand<T>& a, const Operand<T>& b, long m, long n, long k, T* c, long ldc, bool accumulate, T* packedA, T* packedB) {
  constexpr int NR = nr<T>();
  if (k == 0) {
    if (!accumulate) for (long i = 0; i < m; i++) for (long j = 0; j < n; j++) c[i * ldc + j] = 0;
    return;
  }
  for (long j0 = 0; j0 < n; j0 += NC) {
    const long nc = n - j0 < NC ? n - j0 : NC;
    for (long p0 = 0; p0 < k; p0 += KC) {
      const long kc = k - p0 < KC ? k - p0 : KC;
      const bool add = accumulate || p0 > 0;
      packB(b, p0, kc, j0, nc, packedB);
      for (long i0 = 0; i0 < m; i0 += MC) {
        const long mc = m - i0 < MC ? m - i0 : MC;
        packA(a, i0, mc, p0, kc, packedA);
        for (long jr = 0; jr < nc; jr += NR) {
          const int cols = static_cast<int>(nc - jr < NR ? nc - jr : NR);
          for (long ir = 0; ir < mc; ir += MR) {
            const int rows = static_cast<int>(mc - ir < MR ? mc - ir : MR);
            micro<T>(kc, packedA + ir * kc, packedB + jr * kc, c + (i0 + ir) * ldc + j0 + jr, ldc, rows, cols, add);
          }
        }
      }
    }
  }
}

/** Bytes of packing buffers gemmPacked needs: MC×KC for A, then KC×NC for B (both 64-byte aligned). */
template <typename T>
constexpr size_t packedBytes() { return sizeof(T) * (MC * KC + KC * NC); }

/** gemmPacked on one buffer of packedBytes<T>() bytes, aligned to 64. */
template <typename T>
static void gemm(const Operand<T>& a, const Operand<T>& b, long m, long n, long k, T* c, long ldc, bool accumulate, void* scratch) {
  T* packedA = static_cast<T*>(scratch);
  gemmPacked<T>(a, b, m, n, k, c, ldc, accumulate, packedA, packedA + MC * KC);
}
