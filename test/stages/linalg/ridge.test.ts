// Ridge against scikit-learn's Ridge(solver="svd"), with and without intercept, plain and grouped targets.
import { describe, expect, it } from "vitest";
import type { Matrix } from "../../../stages/lib/core/matrix.js";
import { fitRidge, orthogonalityDrift } from "../../../stages/lib/linalg/ridge.js";
import { float64Gemms } from "../helpers/compute.js";
import { expected, fixtureIndex, fixtureMatrix, fixtureMatrix64, fixtureVector, relativeError } from "../helpers/numerics-fixture.js";

const X = fixtureMatrix("ridge_X");
const Yu = fixtureMatrix("ridge_Yu");
const yRows = fixtureIndex("ridge_yrows");
const Y: Matrix = (() => {
  const data = new Float32Array(yRows.length * Yu.cols);
  yRows.forEach((u, r) => data.set(Yu.data.subarray(u * Yu.cols, (u + 1) * Yu.cols), r * Yu.cols));
  return { rows: yRows.length, cols: Yu.cols, data };
})();

const GEMMS = await float64Gemms();

for (const { name, gemm } of GEMMS) {
  describe(`fitRidge (${name})`, () => {
    for (const alpha of [0.03, 50]) {
      for (const intercept of [false, true]) {
        const tag = `${alpha}_${intercept ? "b" : "nob"}`;
        it(`matches sklearn coef_.T and intercept_ (alpha ${alpha}, intercept ${intercept}) to 1e-9, paired and grouped`, () => {
          const want = fixtureMatrix64(`ridge_W_${tag}`);
          const wantBias = fixtureVector(`ridge_bias_${tag}`);
          for (const fit of [fitRidge(gemm, X, Y, alpha, intercept), fitRidge(gemm, X, Yu, alpha, intercept, { yRows })]) {
            if (!fit.ok) throw new Error(fit.error.message);
            expect(fit.value.W.rows).toBe(X.cols);
            expect(fit.value.W.cols).toBe(Y.cols);
            expect(relativeError(fit.value.W.data, want.data)).toBeLessThan(1e-9);
            if (intercept) expect(relativeError(fit.value.bias, wantBias)).toBeLessThan(1e-9);
            else expect(Array.from(fit.value.bias).every((v) => v === 0)).toBe(true);
          }
        });
      }
    }

    it("reports phases in order and fails on mismatched rows", () => {
      const phases: string[] = [];
      fitRidge(gemm, X, Yu, 1, false, { yRows, onProgress: (p, done, total) => phases.push(`${p} ${done}/${total}`) });
      // Between its first and last line the Gram phase reports once per panel (256 or 1024 rows by kernel path; products.test.ts checks those).
      const inner = (p: string): boolean => p.startsWith("gram ") && p !== "gram 0/400" && p !== "gram 400/400";
      expect(phases.filter((p) => !inner(p))).toEqual(["gram 0/400", "gram 400/400", "cross-product 0/90", "cross-product 90/90", "solve 0/1", "solve 1/1"]);
      const bad = fitRidge(gemm, X, Yu, 1, false);
      expect(bad.ok).toBe(false);
      if (!bad.ok) expect(bad.error.reason).toBe("shape-mismatch");
    });
  });

  describe(`orthogonalityDrift (${name})`, () => {
    it("matches numpy's ‖c·WWᵀ − I‖_F/√m on the fitted maps", () => {
      const want = expected().ridge;
      for (const tag of ["0.03_nob", "50_b"]) {
        expect(orthogonalityDrift(gemm, fixtureMatrix64(`ridge_W_${tag}`))).toBeCloseTo(want[tag].drift, 5);
      }
    });

    it("is 0 for a scaled semi-orthogonal map, in either orientation, and ≈ √m for rank one", () => {
      const q = { rows: 2, cols: 3, data: new Float64Array([0, 3, 0, 0, 0, -3]) };
      expect(orthogonalityDrift(gemm, q)).toBeCloseTo(0, 12);
      expect(orthogonalityDrift(gemm, { rows: 3, cols: 2, data: new Float64Array([0, 0, 2, 0, 0, 2]) })).toBeCloseTo(0, 12);
      const m = 16;
      const rank1 = { rows: m, cols: m, data: new Float64Array(m * m).fill(1) };
      expect(orthogonalityDrift(gemm, rank1)).toBeCloseTo(Math.sqrt(m - 1), 6);
    });
  });
}
