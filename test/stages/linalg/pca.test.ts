// PCA against scikit-learn's PCA(svd_solver="full"): variances, per-component subspaces, transform.
import { describe, expect, it } from "vitest";
import { fitPca, transformPca } from "../../../stages/lib/linalg/pca.js";
import { nativeCompute, NATIVE, tfjsCompute } from "../helpers/compute.js";
import { lapackOf } from "../../../stages/lib/protocol/stage-compute.js";
import { fixtureIndex, fixtureMatrix, fixtureMatrix64, fixtureVector } from "../helpers/numerics-fixture.js";

const X = fixtureMatrix("pca_X");
const rows = fixtureIndex("pca_rows");
// The stages' path: the native products and LAPACK where built, else tfjs's products and dag's eigensolver.
const compute = NATIVE ? nativeCompute() : await tfjsCompute("wasm");
const kernels = { gemm: compute.gemm, lapack: lapackOf(compute) };
const fit = fitPca(kernels, X, 12, rows);
if (!fit.ok) throw new Error(fit.error.message);
const pca = fit.value;

describe("fitPca", () => {
  it("matches the mean, explained variance and ratio to 1e-9 relative", () => {
    const mean = fixtureVector("pca_mean"), ev = fixtureVector("pca_explained_variance"), ratio = fixtureVector("pca_explained_variance_ratio");
    for (let j = 0; j < X.cols; j++) expect(Math.abs((pca.mean[j] as number) - (mean[j] as number))).toBeLessThan(1e-9 * (1 + Math.abs(mean[j] as number)));
    for (let c = 0; c < 12; c++) {
      expect(Math.abs((pca.explainedVariance[c] as number) / (ev[c] as number) - 1)).toBeLessThan(1e-9);
      expect(Math.abs((pca.explainedVarianceRatio[c] as number) / (ratio[c] as number) - 1)).toBeLessThan(1e-9);
    }
  });

  it("finds the same axes up to sign (|⟨ours, sklearn⟩| = 1), largest-magnitude entry positive", () => {
    const sk = fixtureMatrix64("pca_components");
    const d = X.cols;
    for (let c = 0; c < 12; c++) {
      let dot = 0, big = 0;
      for (let j = 0; j < d; j++) {
        dot += (pca.components.data[c * d + j] as number) * (sk.data[c * d + j] as number);
        if (Math.abs(pca.components.data[c * d + j] as number) > Math.abs(pca.components.data[c * d + big] as number)) big = j;
      }
      expect(Math.abs(Math.abs(dot) - 1)).toBeLessThan(1e-6); // components are stored as float32
      expect(pca.components.data[c * d + big]).toBeGreaterThan(0);
    }
  });

  it("transforms to the coordinates sklearn gives, up to each axis' sign", () => {
    const sk = fixtureMatrix64("pca_components");
    const mean = fixtureVector("pca_mean");
    const z = transformPca(compute.gemm, X, pca);
    const d = X.cols;
    for (let c = 0; c < 12; c++) {
      let dot = 0;
      for (let j = 0; j < d; j++) dot += (pca.components.data[c * d + j] as number) * (sk.data[c * d + j] as number);
      const sign = Math.sign(dot);
      for (const r of [0, 17, 259]) {
        let want = 0;
        for (let j = 0; j < d; j++) want += ((X.data[r * d + j] as number) - (mean[j] as number)) * (sk.data[c * d + j] as number);
        expect(Math.abs((z.data[r * 12 + c] as number) - sign * want)).toBeLessThan(1e-4 * (1 + Math.abs(want)));
      }
    }
  });

  it("refuses an impossible number of components", () => {
    const bad = fitPca(kernels, X, 41, rows);
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error.reason).toBe("bad-components");
  });
});
