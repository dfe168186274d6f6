// The symmetric eigensolver against numpy.linalg.eigh: dag's own, and the system LAPACK's where the native build linked one.
import { describe, expect, it } from "vitest";
import type { Matrix64 } from "../../../stages/lib/core/matrix.js";
import { symmetricEigen } from "../../../stages/lib/linalg/eigen-symmetric.js";
import { NATIVE, nativeCompute } from "../helpers/compute.js";
import { fixtureMatrix64, fixtureVector } from "../helpers/numerics-fixture.js";

const A = fixtureMatrix64("eig_A");
const wantValues = fixtureVector("eig_values");
const wantVectors = fixtureMatrix64("eig_vectors");
const d = A.rows;

/** The solvers the pipeline has: dag's own (tred2/tql2 in JS) and, where the build linked one, LAPACK's dsyevd. */
const lapack = NATIVE ? nativeCompute().native : undefined;
const SOLVERS: { name: string; solve: (a: Matrix64) => ReturnType<typeof symmetricEigen> }[] = [
  { name: "JS", solve: (a) => symmetricEigen(a) },
  ...(lapack !== undefined && lapack.addon.lapack ? [{ name: `LAPACK (${lapack.lapack})`, solve: (a: Matrix64) => symmetricEigen(a, (m, n, w) => lapack.addon.eigenSymmetric(m, n, w)) }] : []),
];

function rowDot(a: Matrix64, i: number, b: Matrix64, j: number): number {
  let s = 0;
  for (let k = 0; k < a.cols; k++) s += (a.data[i * a.cols + k] as number) * (b.data[j * b.cols + k] as number);
  return s;
}

for (const { name, solve } of SOLVERS) {
  describe(`symmetricEigen (${name})`, () => {
    it("finds numpy's eigenvalues, in decreasing order, to 1e-12 of the largest", async () => {
      const eig = solve(A);
      if (!eig.ok) throw new Error(eig.error.message);
      for (let i = 0; i < d; i++) expect(Math.abs((eig.value.values[i] as number) - (wantValues[i] as number))).toBeLessThan(1e-12 * 50);
      for (let i = 1; i < d; i++) expect(eig.value.values[i]).toBeLessThanOrEqual(eig.value.values[i - 1] as number);
    });

    it("returns orthonormal eigenvectors with A·v = λ·v, equal to numpy's up to sign where λ is simple", async () => {
      const eig = solve(A);
      if (!eig.ok) throw new Error(eig.error.message);
      const { values, vectors } = eig.value;
      for (let i = 0; i < d; i++) {
        for (let j = 0; j < d; j++) expect(Math.abs(rowDot(vectors, i, vectors, j) - (i === j ? 1 : 0))).toBeLessThan(1e-12);
        for (let r = 0; r < d; r++) {
          const av = rowDot(A, r, vectors, i);
          expect(Math.abs(av - (values[i] as number) * (vectors.data[i * d + r] as number))).toBeLessThan(1e-11);
        }
      }
      for (const i of [0, 1, 15, 29, 34, 39]) expect(Math.abs(Math.abs(rowDot(vectors, i, wantVectors, i)) - 1)).toBeLessThan(1e-10);
      // The triple eigenvalue 2: the same 3-d eigenspace (projector traces agree).
      let overlap = 0;
      for (let i = 30; i < 33; i++) for (let j = 30; j < 33; j++) overlap += rowDot(vectors, i, wantVectors, j) ** 2;
      expect(overlap).toBeCloseTo(3, 10);
    });
  });
}

describe("symmetricEigen failures", () => {
  it("reports non-square and non-finite input as values", async () => {
    const eigen = symmetricEigen;
    const bad = eigen({ rows: 2, cols: 3, data: new Float64Array(6) });
    expect(bad.ok ? "ok" : bad.error.reason).toBe("not-square");
    const nan = eigen({ rows: 2, cols: 2, data: new Float64Array([1, Number.NaN, Number.NaN, 1]) });
    expect(nan.ok ? "ok" : nan.error.reason).toBe("non-finite");
  });
});
