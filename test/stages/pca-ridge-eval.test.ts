// The pca, baseline-eval and ridge stages run as real child processes on a miniature `load` output,
// checked against what scikit-learn computes from the same files (make_numerics.py, stage_fixtures).
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readNpy } from "../../stages/lib/io/npy.js";
import { FIXTURES, expected } from "./helpers/numerics-fixture.js";

const ROOT = path.resolve(FIXTURES, "../../..");
const DATA = path.join(FIXTURES, "stages");
const work = mkdtempSync(path.join(tmpdir(), "dag-numerics-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const want = expected().stages;

interface StageRun {
  readonly status: number | null;
  readonly stderr: string;
  readonly outDir: string;
}

function runStage(stage: string, deps: Record<string, string>, params: Record<string, unknown>, outs: string[]): StageRun {
  const outDir = path.join(work, stage, String(Math.random()).slice(2));
  mkdirSync(outDir, { recursive: true });
  const job = {
    stage, params, deps, outDir, seed: 42,
    outs: Object.fromEntries(outs.map((o) => [o, path.join(outDir, o)])),
  };
  const jobFile = path.join(outDir, "job.json");
  writeFileSync(jobFile, JSON.stringify(job));
  const r = spawnSync(process.execPath, ["--import", "tsx", path.join(ROOT, "stages", `${stage}.ts`)], {
    cwd: ROOT, env: { ...process.env, DAG_JOB: jobFile }, encoding: "utf8",
  });
  return { status: r.status, stderr: r.stderr, outDir };
}

function floats(file: string): Float64Array {
  const r = readNpy(file);
  if (!r.ok) throw new Error(r.error.message);
  const a = r.value;
  if (a.dtype !== "float32" && a.dtype !== "float64") throw new Error(`${file}: dtype ${a.dtype}`);
  return Float64Array.from(a.data);
}

function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0, den = 0;
  for (let i = 0; i < a.length; i++) {
    num += ((a[i] as number) - (b[i] as number)) ** 2;
    den += (b[i] as number) ** 2;
  }
  return Math.sqrt(num / den);
}

const load = (name: string): string => path.join(DATA, `${name}.npy`);
const metricsOf = (run: StageRun): Record<string, number> => JSON.parse(readFileSync(path.join(run.outDir, "metrics.json"), "utf8"));

describe("stages on a miniature load output", () => {
  const pcaOuts = ["mean.npy", "components.npy", "explained_variance.npy", "metrics.json"];
  const pca = runStage("pca", { images: load("images"), labels: load("labels"), train_idx: load("train_idx"), captions: load("captions") }, { components: "auto" }, pcaOuts);

  it("pca: auto picks the caption width and matches sklearn (mean, axes with signs, variances)", () => {
    expect(pca.stderr).not.toMatch(/error/i);
    expect(pca.status).toBe(0);
    const comps = floats(path.join(pca.outDir, "components.npy"));
    expect(comps.length).toBe(32 * 48);
    expect(relativeError(comps, floats(load("expected_pca_components")))).toBeLessThan(1e-5);
    expect(relativeError(floats(path.join(pca.outDir, "mean.npy")), floats(load("expected_pca_mean")))).toBeLessThan(1e-6);
    expect(relativeError(floats(path.join(pca.outDir, "explained_variance.npy")), floats(load("expected_pca_explained_variance")))).toBeLessThan(1e-5);
    const m = metricsOf(pca);
    expect(m["components"]).toBe(32);
    expect(m["explained_variance_ratio_sum"]).toBeCloseTo(want.pca.explained_variance_ratio_sum, 5);
  });

  it("baseline-eval: the eight metrics of captions against the PCA'd gallery", () => {
    const run = runStage("baseline-eval", {
      captions: load("captions"), images: load("images"), labels: load("labels"), val_idx: load("val_idx"),
      pca_mean: path.join(pca.outDir, "mean.npy"), pca_components: path.join(pca.outDir, "components.npy"),
    }, {}, ["metrics.json"]);
    expect(run.status).toBe(0);
    const m = metricsOf(run);
    for (const [key, value] of Object.entries(want.baseline as Record<string, number>)) expect(m[key], key).toBeCloseTo(value, 6);
  });

  it("ridge: W, scalers and metrics match sklearn's Ridge(svd) on StandardScaler'd, clipped data", () => {
    const outs = ["W.npy", "bias.npy", "x_mean.npy", "x_std.npy", "y_mean.npy", "y_std.npy", "metrics.json"];
    const run = runStage("ridge", {
      captions: load("captions"), images: load("images"), labels: load("labels"), train_idx: load("train_idx"), val_idx: load("val_idx"),
    }, { alpha: 0.03, clip: 8, intercept: false }, outs);
    expect(run.stderr).not.toMatch(/error/i);
    expect(run.status).toBe(0);
    expect(relativeError(floats(path.join(run.outDir, "W.npy")), floats(load("expected_ridge_W")))).toBeLessThan(1e-5);
    for (const name of ["x_mean", "x_std", "y_mean", "y_std"]) {
      expect(relativeError(floats(path.join(run.outDir, `${name}.npy`)), floats(load(`expected_ridge_${name}`))), name).toBeLessThan(1e-6);
    }
    expect(Array.from(floats(path.join(run.outDir, "bias.npy"))).every((v) => v === 0)).toBe(true);
    const m = metricsOf(run);
    for (const [key, value] of Object.entries(want.ridge as Record<string, number>)) expect(m[key], key).toBeCloseTo(value, 5);
  });

  it("ridge with params.space scores validation on export's submitted vectors against the raw images, as numpy does", () => {
    const inputs = { captions: load("captions"), images: load("images"), labels: load("labels"), train_idx: load("train_idx"), val_idx: load("val_idx") };
    const spaces = want.ridge_space as Record<string, Record<string, number>>;
    expect(Object.keys(spaces)).toEqual(["raw", "standardized", "dual"]);
    for (const [space, metrics] of Object.entries(spaces)) {
      const run = runStage("ridge", inputs, { alpha: 0.03, clip: 8, intercept: false, space }, ["W.npy", "bias.npy", "x_mean.npy", "x_std.npy", "y_mean.npy", "y_std.npy", "metrics.json"]);
      expect(run.status, run.stderr).toBe(0);
      const m = metricsOf(run);
      for (const [key, value] of Object.entries(metrics)) expect(m[key], `${space} ${key}`).toBeCloseTo(value, 5);
    }
  });

  it("a bad param fails with exit 1 and a one-line message naming it", () => {
    const run = runStage("pca", { images: load("images"), labels: load("labels"), train_idx: load("train_idx") }, { components: 99 }, pcaOuts);
    expect(run.status).toBe(1);
    expect(run.stderr.trim().split("\n").at(-1)).toBe('error: stage pca: params.components must be "auto" or an integer in 1..48, got 99');
  });
});
