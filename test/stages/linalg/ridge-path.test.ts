// The ridge path and gallery whitening against numpy (test/fixtures/numerics/make_ridge_path.py), on both float64 product paths.
import { describe, expect, it } from "vitest";
import { fittedBasis, fitRidgePath, procrustesMap, fitWhitening, linearMap, reduceRank, shrinkage, whiteningScale } from "../../../stages/lib/linalg/ridge-path.js";
import { float64Gemms } from "../helpers/compute.js";
import { fixtureIndex, fixtureMatrix, fixtureMatrix64, relativeError } from "../helpers/numerics-fixture.js";

const X = fixtureMatrix("rpath_X");
const Yu = fixtureMatrix("rpath_Yu");
const rows = fixtureIndex("rpath_rows");

const GEMMS = await float64Gemms();

for (const { name, gemm } of GEMMS) {
  describe(`ridge path (${name})`, () => {
    const path = fitRidgePath(gemm, X, Yu, undefined, rows);
    const white = fitWhitening(gemm, Yu, rows, undefined);
    if (!path.ok || !white.ok) throw new Error("fit failed");

    for (const alpha of [0.5, 40]) {
      it(`W(alpha ${alpha}) from one eigendecomposition equals numpy's solve to 1e-9`, () => {
        const w = linearMap(gemm, path.value, shrinkage(path.value, alpha));
        expect(relativeError(w.data, fixtureMatrix64(`rpath_W_${alpha}`).data)).toBeLessThan(1e-9);
      });
      for (const e of [0.1, 1]) {
        it(`W·M_e (alpha ${alpha}, e ${e}) equals numpy's W·inv(C + e·mean(eig C)·I) to 1e-9`, () => {
          const w = linearMap(gemm, path.value, shrinkage(path.value, alpha), { basis: white.value, scale: whiteningScale(white.value, e) });
          expect(relativeError(w.data, fixtureMatrix64(`rpath_WM_${alpha}_${e}`).data)).toBeLessThan(1e-9);
        });
      }
    }

    for (const rank of [3, 7]) {
      it(`reduced-rank W (rank ${rank}) equals numpy's W·P_r·P_rᵀ (leading eigenvectors of WᵀXᵀXW) to 1e-8`, () => {
        const s = shrinkage(path.value, 0.5);
        const basis = fittedBasis(gemm, path.value, s, undefined);
        if (!basis.ok) throw new Error(basis.error.message);
        const w = reduceRank(gemm, linearMap(gemm, path.value, s), basis.value, rank);
        expect(relativeError(w.data, fixtureMatrix64(`rpath_Wr_0.5_${rank}`).data)).toBeLessThan(1e-8);
      });
    }

    it("Procrustes W = U·Vᵀ of XᵀY's thin SVD equals numpy's to 1e-8", () => {
      const w = procrustesMap(gemm, path.value, undefined);
      if (!w.ok) throw new Error(w.error.message);
      expect(relativeError(w.value.data, fixtureMatrix64("rpath_Wproc").data)).toBeLessThan(1e-8);
    });

    it("e = Infinity is no whitening", () => {
      const plain = linearMap(gemm, path.value, shrinkage(path.value, 0.5));
      const none = linearMap(gemm, path.value, shrinkage(path.value, 0.5), { basis: white.value, scale: whiteningScale(white.value, Infinity) });
      expect(relativeError(none.data, plain.data)).toBeLessThan(1e-12);
    });
  });
}
