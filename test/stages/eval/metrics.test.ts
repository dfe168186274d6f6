// Retrieval metrics against numpy: exact per-query ranks (with deliberate ties) and summaries.
import { beforeAll, describe, expect, it } from "vitest";
import { allMetrics, retrievalMetrics, retrievalRanks as ranksOn } from "../../../stages/lib/eval/metrics.js";
import type { Matrix } from "../../../stages/lib/core/matrix.js";
import type { Compute } from "../../../stages/lib/kernels/compute.js";
import { defaultCompute, NATIVE, tfjsCompute } from "../helpers/compute.js";
import { expected, fixtureIndex, fixtureMatrix } from "../helpers/numerics-fixture.js";

let compute: Compute;
beforeAll(async () => {
  compute = await defaultCompute();
});
const retrievalRanks = (q: Matrix, g: Matrix, t: Int32Array, p: "full" | "batch100"): Int32Array => ranksOn(compute.gemm, q, g, t, p);

const cont = { q: fixtureMatrix("metrics_cont_queries"), g: fixtureMatrix("metrics_cont_gallery"), t: fixtureIndex("metrics_cont_truth") };
const int = { q: fixtureMatrix("metrics_int_queries"), g: fixtureMatrix("metrics_int_gallery"), t: fixtureIndex("metrics_int_truth") };
const want = expected().metrics;

describe("retrievalRanks", () => {
  it("full cosine ranks equal numpy's, duplicated gallery rows counting as ties", () => {
    expect(Array.from(retrievalRanks(cont.q, cont.g, cont.t, "full"))).toEqual(Array.from(fixtureIndex("metrics_cont_ranks_full")));
  });

  it("batch100 dot-product ranks equal numpy's on continuous data (batches 100, 100, 50)", () => {
    expect(Array.from(retrievalRanks(cont.q, cont.g, cont.t, "batch100"))).toEqual(Array.from(fixtureIndex("metrics_cont_ranks_batch100")));
  });

  it("batch100 ranks equal numpy's on integer data full of exact ties", () => {
    expect(Array.from(retrievalRanks(int.q, int.g, int.t, "batch100"))).toEqual(Array.from(fixtureIndex("metrics_int_ranks_batch100")));
  });

  it("full does not depend on the scale of queries or gallery rows; batch100 does", () => {
    const scaled: Matrix = { ...cont.q, data: cont.q.data.map((v, i) => v * (1 + (Math.floor(i / cont.q.cols) % 7))) };
    expect(retrievalRanks(scaled, cont.g, cont.t, "full")).toEqual(retrievalRanks(cont.q, cont.g, cont.t, "full"));
    expect(retrievalRanks(scaled, cont.g, cont.t, "batch100")).toEqual(retrievalRanks(cont.q, cont.g, cont.t, "batch100"));
    const g2: Matrix = { ...cont.g, data: cont.g.data.map((v, i) => v * (1 + (Math.floor(i / cont.g.cols) % 5))) };
    expect(retrievalRanks(cont.q, g2, cont.t, "batch100")).not.toEqual(retrievalRanks(cont.q, cont.g, cont.t, "batch100"));
  });

  it("a NaN target score ranks last instead of first", () => {
    const q: Matrix = { rows: 2, cols: 2, data: new Float32Array([Number.NaN, 1, 1, 0]) };
    const g: Matrix = { rows: 3, cols: 2, data: new Float32Array([1, 0, 0, 1, 1, 1]) };
    expect(Array.from(retrievalRanks(q, g, new Int32Array([0, 0]), "full"))).toEqual([3, 1]);
  });

  it("rejects mismatched shapes and out-of-range truth", () => {
    expect(() => retrievalRanks(cont.q, int.g, cont.t, "full")).toThrow(/columns/);
    expect(() => retrievalRanks(cont.q, cont.g, new Int32Array(3), "full")).toThrow(/ground-truth/);
    const bad = Int32Array.from(cont.t); bad[5] = cont.g.rows;
    expect(() => retrievalRanks(cont.q, cont.g, bad, "batch100")).toThrow(/outside the gallery/);
  });
});

describe("retrievalMetrics and allMetrics", () => {
  it("match numpy's MRR and R@1/5/10 under both protocols", () => {
    for (const p of ["full", "batch100"] as const) {
      const m = retrievalMetrics(compute.gemm, cont.q, cont.g, cont.t, p);
      expect(m.mrr).toBeCloseTo(want.cont[p].mrr, 12);
      expect([m.r1, m.r5, m.r10]).toEqual([want.cont[p].r1, want.cont[p].r5, want.cont[p].r10]);
    }
    const mi = retrievalMetrics(compute.gemm, int.q, int.g, int.t, "batch100");
    expect(mi.mrr).toBeCloseTo(want.int.batch100.mrr, 12);
    expect(mi.r10).toBe(want.int.batch100.r10);
  });

  it("allMetrics reports the eight keys", () => {
    const a = allMetrics(compute.gemm, cont.q, cont.g, cont.t);
    expect(Object.keys(a).sort()).toEqual(["mrr_batch100", "mrr_full", "r10_batch100", "r10_full", "r1_batch100", "r1_full", "r5_batch100", "r5_full"]);
    expect(a.mrr_full).toBeCloseTo(want.cont.full.mrr, 12);
    expect(a.r5_batch100).toBe(want.cont.batch100.r5);
  });
});

describe("without the native kernels: tfjs's products on each backend", () => {
  for (const backend of ["wasm", "cpu"] as const) {
    it(`tfjs ${backend} gives the same ranks`, async () => {
      const tfjs = await tfjsCompute(backend);
      expect(Array.from(ranksOn(tfjs.gemm, cont.q, cont.g, cont.t, "full"))).toEqual(Array.from(fixtureIndex("metrics_cont_ranks_full")));
      expect(Array.from(ranksOn(tfjs.gemm, int.q, int.g, int.t, "batch100"))).toEqual(Array.from(fixtureIndex("metrics_int_ranks_batch100")));
    });
  }
});

describe("the kernels of the first tests", () => {
  it("are what the tests above ran on (npm install builds them; DAG_NATIVE=0 turns them off)", () => {
    expect(compute.gemm.name).toMatch(NATIVE ? /^native (avx512|avx2|portable)$/ : /^tfjs wasm$/);
  });
});
