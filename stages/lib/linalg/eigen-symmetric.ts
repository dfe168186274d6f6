// Eigendecomposition of a real symmetric matrix in float64: Householder tridiagonalisation, then
// the implicit QL algorithm with Wilkinson-style shifts (EISPACK tred2/tql2, as in JAMA).
//
// The working matrix holds Vᵀ rather than V, so the eigenvectors come out as rows and every inner
// loop (Householder updates, accumulation, and each QL rotation, which mixes two eigenvector
// rows) walks memory contiguously. Where the native kernels were linked to a system LAPACK the
// caller hands its dsyevd instead (divide and conquer, blocked: several times faster).
import type { Matrix64 } from "../core/matrix.js";
import { err, ok, type Result } from "../core/result.js";

/** Eigenvalues in decreasing order and unit eigenvectors as the rows of `vectors`, in the same order. */
export interface SymmetricEigen {
  readonly values: Float64Array;
  readonly vectors: Matrix64;
}

/** Why a decomposition failed. */
export type EigenFailure =
  | { readonly reason: "not-square"; readonly message: string }
  | { readonly reason: "non-finite"; readonly message: string }
  | { readonly reason: "no-convergence"; readonly message: string };

/**
 * A LAPACK-style solver: eigenvalues ascending into `values`, the eigenvectors written over `a`
 * as rows; returns LAPACK's info (0 = success). The native addon's eigenSymmetric is one.
 */
export type LapackEigen = (a: Float64Array, n: number, values: Float64Array) => number;

/** QL iterations allowed per eigenvalue before giving up (EISPACK uses 30; convergence is cubic). */
const MAX_ITERATIONS = 60;

/**
 * The eigendecomposition A = Vᵀ diag(values) V of a symmetric matrix (only symmetric input is
 * meaningful; the lower triangle is what is read). Rows of V are orthonormal eigenvectors; the
 * sign of each is not normalised here.
 */
export function symmetricEigen(a: Matrix64, lapack?: LapackEigen): Result<SymmetricEigen, EigenFailure> {
  const n = a.rows;
  if (a.cols !== n) return err({ reason: "not-square", message: `eigendecomposition needs a square matrix, got ${a.rows}×${a.cols}` });
  for (let i = 0; i < a.data.length; i++) {
    if (!Number.isFinite(a.data[i] as number)) return err({ reason: "non-finite", message: `the matrix has a non-finite entry at (${Math.floor(i / n)}, ${i % n})` });
  }
  if (n === 0) return ok({ values: new Float64Array(0), vectors: { rows: 0, cols: 0, data: new Float64Array(0) } });
  if (lapack !== undefined) return lapackEigen(a, lapack);
  const work = jsWork(n);
  // A symmetric: Aᵀ = A, so the transposed working copy is a plain copy.
  work.heap.set(a.data);
  const m = work.heap.subarray(0, n * n);
  const d = work.heap.subarray(n * n, n * n + n);
  tridiagonalize(work, n);
  if (!diagonalize(work, n)) {
    return err({ reason: "no-convergence", message: `the QL iteration did not converge within ${MAX_ITERATIONS} steps for an eigenvalue` });
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => (d[y] as number) - (d[x] as number));
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  order.forEach((src, dst) => {
    values[dst] = d[src] as number;
    vectors.set(m.subarray(src * n, (src + 1) * n), dst * n);
  });
  return ok({ values, vectors: { rows: n, cols: n, data: vectors } });
}

/**
 * The inner loops, on one float64 heap holding the working matrix and the d and e vectors;
 * offsets and lengths count elements.
 */
interface HeapOps {
  /** heap[e + k] += heap[row + k]·f, returning Σ heap[row + k]·heap[d + k]. */
  dotAxpy(row: number, d: number, e: number, len: number, f: number): number;
  /** heap[row + k] −= f·heap[e + k] + g·heap[d + k]. */
  rank2(row: number, e: number, d: number, len: number, f: number, g: number): void;
  /**
   * For rows j in [0, rows): M[j, 0..len) −= (Σ M[v, k]·M[j, k])·d[0..len): one accumulated
   * Householder reflector (row v of M holds it, d its scaled copy) applied to rows 0..rows−1.
   */
  reflectRows(v: number, rows: number, len: number): void;
  /**
   * Applies the first `count` rotations recorded in `rotations` (triples row i, c, s), in order:
   * (M[i, ·], M[i+1, ·]) ← (c·M[i, ·] − s·M[i+1, ·], s·M[i, ·] + c·M[i+1, ·]).
   */
  rotateRows(count: number): void;
}

/** The working storage: matrix M (n×n) at offset 0, then d and e (n each); room for n rotations. */
interface Work {
  readonly heap: Float64Array;
  readonly rotations: Float64Array;
  readonly ops: HeapOps;
}

function jsWork(n: number): Work {
  const h = new Float64Array(n * n + 2 * n);
  const rotations = new Float64Array(n * 3);
  return {
    heap: h,
    rotations,
    ops: {
      dotAxpy(row, d, e, len, f) {
        let s = 0;
        for (let k = 0; k < len; k++) {
          const v = h[row + k] as number;
          s += v * (h[d + k] as number);
          h[e + k] = (h[e + k] as number) + v * f;
        }
        return s;
      },
      rank2(row, e, d, len, f, g) {
        for (let k = 0; k < len; k++) h[row + k] = (h[row + k] as number) - (f * (h[e + k] as number) + g * (h[d + k] as number));
      },
      reflectRows(vRow, rows, len) {
        const v = vRow * n, d = n * n;
        for (let j = 0; j < rows; j++) {
          const row = j * n;
          let g = 0;
          for (let k = 0; k < len; k++) g += (h[v + k] as number) * (h[row + k] as number);
          for (let k = 0; k < len; k++) h[row + k] = (h[row + k] as number) - g * (h[d + k] as number);
        }
      },
      rotateRows(count) {
        for (let t = 0; t < count; t++) {
          const a = (rotations[3 * t] as number) * n, b = a + n;
          const c = rotations[3 * t + 1] as number, s = rotations[3 * t + 2] as number;
          for (let k = 0; k < n; k++) {
            const x = h[a + k] as number;
            const y = h[b + k] as number;
            h[b + k] = s * x + c * y;
            h[a + k] = c * x - s * y;
          }
        }
      },
    },
  };
}

/**
 * Householder reduction to tridiagonal form (tred2) on M = Vᵀ (the work's heap), leaving the
 * diagonal in d, the subdiagonal in e[1..n−1] and the accumulated orthogonal transformation
 * (transposed) in M.
 */
function tridiagonalize(work: Work, n: number): void {
  const { heap, ops } = work;
  const D = n * n, E = D + n;
  const m = heap.subarray(0, D), d = heap.subarray(D, E), e = heap.subarray(E);
  for (let j = 0; j < n; j++) d[j] = m[j * n + n - 1] as number;
  for (let i = n - 1; i > 0; i--) {
    let scale = 0;
    let h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k] as number);
    if (scale === 0) {
      e[i] = d[i - 1] as number;
      for (let j = 0; j < i; j++) {
        d[j] = m[j * n + i - 1] as number;
        m[j * n + i] = 0;
        m[i * n + j] = 0;
      }
    } else {
      for (let k = 0; k < i; k++) {
        const v = (d[k] as number) / scale;
        d[k] = v;
        h += v * v;
      }
      let f = d[i - 1] as number;
      let g = Math.sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      e.fill(0, 0, i);
      for (let j = 0; j < i; j++) {
        f = d[j] as number;
        m[i * n + j] = f;
        const row = j * n;
        g = (e[j] as number) + (m[row + j] as number) * f;
        g += ops.dotAxpy(row + j + 1, D + j + 1, E + j + 1, i - j - 1, f);
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) {
        const v = (e[j] as number) / h;
        e[j] = v;
        f += v * (d[j] as number);
      }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j] = (e[j] as number) - hh * (d[j] as number);
      for (let j = 0; j < i; j++) {
        f = d[j] as number;
        g = e[j] as number;
        const row = j * n;
        ops.rank2(row + j, E + j, D + j, i - j, f, g);
        d[j] = m[row + i - 1] as number;
        m[row + i] = 0;
      }
    }
    d[i] = h;
  }
  for (let i = 0; i < n - 1; i++) {
    m[i * n + n - 1] = m[i * n + i] as number;
    m[i * n + i] = 1;
    const h = d[i + 1] as number;
    const next = (i + 1) * n;
    if (h !== 0) {
      for (let k = 0; k <= i; k++) d[k] = (m[next + k] as number) / h;
      ops.reflectRows(i + 1, i + 1, i + 1);
    }
    m.fill(0, next, next + i + 1);
  }
  for (let j = 0; j < n; j++) {
    d[j] = m[j * n + n - 1] as number;
    m[j * n + n - 1] = 0;
  }
  m[(n - 1) * n + n - 1] = 1;
  e[0] = 0;
}

/**
 * Implicit QL iterations (tql2) on the tridiagonal (d, e). The rotations of each QL step are
 * recorded, then applied to the rows of M in one batch (split by columns between threads: each
 * column is rotated independently). Leaves the eigenvalues in d (unsorted) and the eigenvectors
 * as rows of M. False when an eigenvalue needs more than MAX_ITERATIONS steps.
 */
function diagonalize(work: Work, n: number): boolean {
  const { heap, ops, rotations } = work;
  const d = heap.subarray(n * n, n * n + n), e = heap.subarray(n * n + n);
  for (let i = 1; i < n; i++) e[i - 1] = e[i] as number;
  e[n - 1] = 0;
  let f = 0;
  let tst1 = 0;
  const eps = Number.EPSILON;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l] as number) + Math.abs(e[l] as number));
    let mm = l;
    while (mm < n - 1 && Math.abs(e[mm] as number) > eps * tst1) mm++;
    if (mm > l) {
      let iterations = 0;
      do {
        if (++iterations > MAX_ITERATIONS) return false;
        let g = d[l] as number;
        let p = ((d[l + 1] as number) - g) / (2 * (e[l] as number));
        let r = Math.hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = (e[l] as number) / (p + r);
        d[l + 1] = (e[l] as number) * (p + r);
        const dl1 = d[l + 1] as number;
        let h = g - (d[l] as number);
        for (let i = l + 2; i < n; i++) d[i] = (d[i] as number) - h;
        f += h;
        p = d[mm] as number;
        let c = 1, c2 = 1, c3 = 1;
        const el1 = e[l + 1] as number;
        let s = 0, s2 = 0;
        let count = 0;
        for (let i = mm - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          const ei = e[i] as number;
          g = c * ei;
          h = c * p;
          r = Math.hypot(p, ei);
          e[i + 1] = s * r;
          s = ei / r;
          c = p / r;
          const di = d[i] as number;
          p = c * di - s * g;
          d[i + 1] = h + s * (c * g + s * di);
          rotations[3 * count] = i;
          rotations[3 * count + 1] = c;
          rotations[3 * count + 2] = s;
          count++;
        }
        ops.rotateRows(count);
        p = (-s * s2 * c3 * el1 * (e[l] as number)) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l] as number) > eps * tst1);
    }
    d[l] = (d[l] as number) + f;
    e[l] = 0;
  }
  return true;
}

/** The decomposition by a LAPACK solver, reordered to decreasing eigenvalues. */
function lapackEigen(a: Matrix64, solve: LapackEigen): Result<SymmetricEigen, EigenFailure> {
  const n = a.rows;
  const m = Float64Array.from(a.data);
  const ascending = new Float64Array(n);
  const info = solve(m, n, ascending);
  if (info !== 0) return err({ reason: "no-convergence", message: `LAPACK dsyevd failed (info ${info})` });
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  for (let dst = 0; dst < n; dst++) {
    const src = n - 1 - dst;
    values[dst] = ascending[src] as number;
    vectors.set(m.subarray(src * n, (src + 1) * n), dst * n);
  }
  return ok({ values, vectors: { rows: n, cols: n, data: vectors } });
}
