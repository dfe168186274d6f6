// Standardisation against scikit-learn's StandardScaler (population std, constant column → 1, clip).
import { describe, expect, it } from "vitest";
import { fitScaler, standardize, unstandardize } from "../../../stages/lib/linalg/standardize.js";
import { fixtureIndex, fixtureMatrix, fixtureVector } from "../helpers/numerics-fixture.js";

const X = fixtureMatrix("std_X");
const rows = fixtureIndex("std_rows");

describe("fitScaler", () => {
  it("matches StandardScaler's mean_ and scale_ on rows with repeats, a constant column getting 1", () => {
    const s = fitScaler(X, rows);
    const mean = fixtureVector("std_mean"), scale = fixtureVector("std_scale");
    for (let j = 0; j < X.cols; j++) {
      expect(s.mean[j]).toBeCloseTo(mean[j] as number, 9);
      expect(Math.abs((s.std[j] as number) / (scale[j] as number) - 1)).toBeLessThan(1e-12);
    }
    expect(s.std[3]).toBe(1);
  });
});

describe("standardize", () => {
  it("matches transform + clip(±2.5) to float32 rounding", () => {
    const z = standardize(X, fitScaler(X, rows), 2.5);
    const want = fixtureMatrix("std_clipped");
    let worst = 0;
    for (let i = 0; i < z.data.length; i++) worst = Math.max(worst, Math.abs((z.data[i] as number) - (want.data[i] as number)));
    expect(worst).toBeLessThan(2e-6);
    expect(Math.max(...z.data)).toBe(2.5);
  });

  it("selects rows, and unstandardize inverts it where nothing was clipped", () => {
    const s = fitScaler(X);
    const picked = Int32Array.from([7, 7, 0]);
    const z = standardize(X, s, undefined, picked);
    expect(z.rows).toBe(3);
    const back = unstandardize(z, s);
    for (let j = 0; j < X.cols; j++) {
      expect(back.data[j]).toBeCloseTo(X.data[7 * X.cols + j] as number, 3);
      expect(back.data[2 * X.cols + j]).toBeCloseTo(X.data[j] as number, 3);
    }
  });
});
