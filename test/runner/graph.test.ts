// The stage graph: topological order, cycles, closures and selection on small pipelines.
import { describe, expect, it } from "vitest";
import { downstreamOf, findCycles, formatCycle, selectStages, stageGraph, topoOrder, upstreamOf } from "../../runner/graph.js";
import type { Pipeline, StageSpec } from "../../runner/pipeline.js";

/** A pipeline whose stages (in the given order) read one output of each named upstream stage. */
function pipeline(stages: Record<string, readonly string[]>): Pipeline {
  const specs = new Map<string, StageSpec>();
  let line = 1;
  for (const [name, upstream] of Object.entries(stages)) {
    specs.set(name, {
      name,
      base: name,
      artifact: name,
      variant: {},
      module: `stages/${name}.ts`,
      deps: [{ name: "data", kind: "path", path: "data", isDir: true }, ...upstream.map((up) => ({ name: `from_${up}`, kind: "output" as const, stage: up, out: "out.npy", from: up }))],
      outs: ["out.npy"],
      params: {},
      seed: 0,
      env: [],
      metrics: [],
      plots: [],
      position: { line: line++, col: 3 },
    });
  }
  return { file: "/p/pipeline.yaml", root: "/p", params: {}, stages: specs, sweep: [], env: [] };
}

/** The default pipeline's shape. */
const dagPipeline = pipeline({
  load: [],
  pca: ["load"],
  "baseline-eval": ["load", "pca"],
  ridge: ["load"],
  finetune: ["load", "ridge"],
  export: ["load", "ridge", "finetune"],
});

describe("topoOrder", () => {
  it("keeps file order when it is already topological", () => {
    expect(topoOrder(dagPipeline)).toEqual(["load", "pca", "baseline-eval", "ridge", "finetune", "export"]);
  });

  it("puts each stage after its upstream, taking ready stages in file order", () => {
    expect(topoOrder(pipeline({ c: ["a"], a: [], b: [], d: ["c", "b"], e: [] }))).toEqual(["a", "c", "b", "d", "e"]);
    expect(topoOrder(pipeline({ z: ["y"], y: ["x"], x: [] }))).toEqual(["x", "y", "z"]);
  });

  it("throws on a cycle, naming it", () => {
    expect(() => topoOrder(pipeline({ a: ["b"], b: ["a"], c: [] }))).toThrow("a → b → a");
  });
});

describe("findCycles", () => {
  it("finds none in a DAG", () => {
    expect(findCycles(stageGraph(dagPipeline))).toEqual([]);
  });

  it("gives one shortest cycle per group, in data-flow order from the group's first stage", () => {
    // b feeds c and a, c feeds a, a feeds b: one group, reported from its first stage c (c → a → b),
    // though a → b → a alone would be shorter; s reads its own output.
    const graph = stageGraph(pipeline({ x: [], c: ["b"], a: ["c", "b"], b: ["a"], s: ["s"], t: ["x"] }));
    expect(findCycles(graph)).toEqual([["c", "a", "b"], ["s"]]);
    expect(findCycles(stageGraph(pipeline({ a: ["c"], b: ["a"], c: ["b"] })))).toEqual([["a", "b", "c"]]);
    expect(formatCycle(["a", "b", "c"])).toBe("a → b → c → a");
    expect(formatCycle(["s"])).toBe("s → s");
  });

  it("ignores edges to stages the graph does not have", () => {
    expect(findCycles(new Map([["a", ["ghost"]], ["b", ["a"]]]))).toEqual([]);
  });
});

describe("upstreamOf and downstreamOf", () => {
  it("include the named stages and everything reachable", () => {
    expect([...upstreamOf(dagPipeline, ["finetune"])].sort()).toEqual(["finetune", "load", "ridge"]);
    expect([...upstreamOf(dagPipeline, ["pca", "ridge"])].sort()).toEqual(["load", "pca", "ridge"]);
    expect([...downstreamOf(dagPipeline, ["ridge"])].sort()).toEqual(["export", "finetune", "ridge"]);
    expect([...downstreamOf(dagPipeline, ["pca"])].sort()).toEqual(["baseline-eval", "pca"]);
    expect(downstreamOf(dagPipeline, ["load"]).size).toBe(6);
  });
});

describe("selectStages", () => {
  it("selects everything without targets", () => {
    expect(selectStages(dagPipeline)).toEqual({ ok: true, value: ["load", "pca", "baseline-eval", "ridge", "finetune", "export"] });
    expect(selectStages(dagPipeline, { targets: [] })).toEqual({ ok: true, value: ["load", "pca", "baseline-eval", "ridge", "finetune", "export"] });
  });

  it("selects targets with their upstream, in topological order", () => {
    expect(selectStages(dagPipeline, { targets: ["finetune"] })).toEqual({ ok: true, value: ["load", "ridge", "finetune"] });
    expect(selectStages(dagPipeline, { targets: ["ridge", "baseline-eval"] })).toEqual({ ok: true, value: ["load", "pca", "baseline-eval", "ridge"] });
  });

  it("selects up to and including `until`", () => {
    expect(selectStages(dagPipeline, { until: "baseline-eval" })).toEqual({ ok: true, value: ["load", "pca", "baseline-eval"] });
    expect(selectStages(dagPipeline, { targets: ["ridge"], until: "pca" })).toEqual({ ok: true, value: ["load", "pca", "ridge"] });
  });

  it("rejects an unknown stage with a suggestion", () => {
    expect(selectStages(dagPipeline, { targets: ["rigde"] })).toEqual({ ok: false, error: { reason: "unknown-stage", name: "rigde", hint: 'did you mean "ridge"?' } });
    expect(selectStages(dagPipeline, { until: "deploy" })).toEqual({ ok: false, error: { reason: "unknown-stage", name: "deploy" } });
  });
});
