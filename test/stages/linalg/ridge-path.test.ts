// The ridge path and gallery whitening against numpy (test/fixtures/numerics/make_ridge_path.py), on both float64 product paths.
import { describe, expect, it } from "vitest";
import { fittedBasis, fitRidgePath, procrustesMap, fitWhitening, linearMap, reduceRank, shrinkage, whiteningScale } from "../../../stages/lib/linalg/ridge-path.js";
import { NATIVE, nativeCompute, tfjsCompute } from "../helpers/compute.js";
import { fixtureIndex, fixtureMatrix, fixtureMatrix64 } from "../helpers/numerics-fixture.js";

const X = fixtureMatrix("rpath_X");
const Yu = fixtureMatrix("rpath_Yu");
const rows = fixtureIndex("rpath_rows");

function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0, den = 0;
  for (let i = 0; i < a.length; i++) {
    num += ((a[i] as number) - (b[i] as number)) ** 2;
    den += (b[i] as number) ** 2;
  }
  return Math.sqrt(num / Math.max(den, 1e-300));
}

const GEMMS = [...(NATIVE ? [{ name: "native", gemm: nativeCompute().gemm }] : []), { name: "JS float64", gemm: (await tfjsCompute("cpu")).gemm }];

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
