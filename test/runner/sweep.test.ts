// Sweeps: the sweep block's checks (positions, did-you-mean), expansion into wired variants, --set overrides.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { formatConfigErrors, type ConfigError } from "../../runner/config/config-error.js";
import { loadPipeline } from "../../runner/config/load-pipeline.js";
import { selectStages } from "../../runner/graph.js";
import { applyOverrides, parseOverride, type ParamOverride } from "../../runner/param-overrides.js";
import type { Pipeline, StageSpec } from "../../runner/pipeline.js";
import { artifactName, expandSweep } from "../../runner/sweep.js";

const made: string[] = [];
afterAll(async () => {
  await Promise.all(made.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function loaded(yaml: string): Promise<Pipeline | ConfigError[]> {
  const root = await mkdtemp(path.join(os.tmpdir(), "dag-sweep-"));
  made.push(root);
  await mkdir(path.join(root, "stages"));
  await writeFile(path.join(root, "stages/s.ts"), "");
  await writeFile(path.join(root, "pipeline.yaml"), yaml);
  const result = await loadPipeline(path.join(root, "pipeline.yaml"), root);
  return result.ok ? result.value : result.error;
}

async function load(yaml: string): Promise<Pipeline> {
  const result = await loaded(yaml);
  if (Array.isArray(result)) throw new Error(formatConfigErrors(result));
  return result;
}

async function problems(yaml: string): Promise<ConfigError[]> {
  const result = await loaded(yaml);
  if (!Array.isArray(result)) throw new Error("expected config errors, the pipeline loaded");
  return result;
}

/** load → pca, load → ridge → finetune (also reading pca), the ML pipeline's shape. */
const ML = `params:
  seed: 42
stages:
  load:
    module: stages/s.ts
    outs: [data]
  pca:
    module: stages/s.ts
    deps: { x: load:data }
    outs: [p]
  ridge:
    module: stages/s.ts
    deps: { x: load:data }
    params: { alpha: 0.03, seed: "\${seed}" }
    outs: [W]
  finetune:
    module: stages/s.ts
    deps: { w: ridge:W, p: pca:p }
    params: { epochs: 10, loss: { mse: 0.5, infonce: 0 } }
    outs: [weights]
`;

function stage(p: Pipeline, name: string): StageSpec {
  const found = p.stages.get(name);
  if (found === undefined) throw new Error(`no stage ${name} in ${[...p.stages.keys()].join(", ")}`);
  return found;
}

function fromOf(spec: StageSpec, input: string): string | undefined {
  const dep = spec.deps.find((d) => d.name === input);
  return dep?.kind === "output" ? dep.from : undefined;
}

describe("sweep expansion", () => {
  it("runs upstream stages once, a swept stage per value, and downstream per upstream variant × own values", async () => {
    const p = expandSweep(await load(`${ML}sweep:\n  ridge.alpha: [0.01, 0.03, 0.1]\n  finetune.loss.infonce: [0, 1]\n`));
    expect([...p.stages.keys()]).toEqual([
      "load",
      "pca",
      "ridge[alpha=0.01]",
      "ridge[alpha=0.03]",
      "ridge[alpha=0.1]",
      "finetune[ridge.alpha=0.01,loss.infonce=0]",
      "finetune[ridge.alpha=0.01,loss.infonce=1]",
      "finetune[ridge.alpha=0.03,loss.infonce=0]",
      "finetune[ridge.alpha=0.03,loss.infonce=1]",
      "finetune[ridge.alpha=0.1,loss.infonce=0]",
      "finetune[ridge.alpha=0.1,loss.infonce=1]",
    ]);
    const r = stage(p, "ridge[alpha=0.1]");
    expect(r).toMatchObject({ base: "ridge", artifact: "ridge@alpha=0.1", variant: { alpha: 0.1 }, params: { alpha: 0.1, seed: 42 }, seed: 42 });
    // The file's own values (alpha 0.03, infonce 0) keep the plain artifacts/ link.
    expect(stage(p, "ridge[alpha=0.03]").artifact).toBe("ridge");
    expect(stage(p, "finetune[ridge.alpha=0.03,loss.infonce=0]").artifact).toBe("finetune");
    const f = stage(p, "finetune[ridge.alpha=0.1,loss.infonce=1]");
    expect(f.artifact).toBe("finetune@ridge.alpha=0.1,loss.infonce=1");
    expect(f.params).toEqual({ epochs: 10, loss: { mse: 0.5, infonce: 1 } });
    expect(f.variant).toEqual({ "ridge.alpha": 0.1, "loss.infonce": 1 });
    expect(fromOf(f, "w")).toBe("ridge[alpha=0.1]");
    expect(fromOf(f, "p")).toBe("pca");
    // The reference written in the file (and so the cache key) does not name the variant.
    expect(f.deps.find((d) => d.name === "w")).toMatchObject({ stage: "ridge", out: "W" });
    expect(stage(p, "pca")).toMatchObject({ base: "pca", artifact: "pca", variant: {} });
  });

  it("adds the file's own values as one more variant when the grid leaves them out", async () => {
    const p = expandSweep(await load(`${ML}sweep:\n  ridge.alpha: [0.01, 0.1]\n`));
    const ridges = [...p.stages.values()].filter((s) => s.base === "ridge");
    expect(ridges.map((s) => [s.name, s.artifact])).toEqual([
      ["ridge[alpha=0.01]", "ridge@alpha=0.01"],
      ["ridge[alpha=0.1]", "ridge@alpha=0.1"],
      ["ridge[alpha=0.03]", "ridge"],
    ]);
    // finetune follows its ridge: three variants, none mixing values.
    expect([...p.stages.values()].filter((s) => s.base === "finetune").map((s) => fromOf(s, "w"))).toEqual(["ridge[alpha=0.01]", "ridge[alpha=0.1]", "ridge[alpha=0.03]"]);
  });

  it("multiplies independent sweeps only in the stages downstream of both", async () => {
    const p = expandSweep(
      await load(`stages:
  b:
    module: stages/s.ts
    params: { x: 1 }
    outs: [o]
  c:
    module: stages/s.ts
    params: { y: 1 }
    outs: [o]
  d:
    module: stages/s.ts
    deps: { b: b:o, c: c:o }
    outs: [o]
  e:
    module: stages/s.ts
    deps: { b: b:o }
    outs: [o]
sweep:
  b.x: [1, 2]
  c.y: [1, 2, 3]
`),
    );
    const count = (base: string): number => [...p.stages.values()].filter((s) => s.base === base).length;
    expect([count("b"), count("c"), count("d"), count("e")]).toEqual([2, 3, 6, 2]);
    const d = stage(p, "d[b.x=2,c.y=3]");
    expect([fromOf(d, "b"), fromOf(d, "c")]).toEqual(["b[x=2]", "c[y=3]"]);
  });

  it("wires a diamond to one consistent variant on both paths", async () => {
    const p = expandSweep(
      await load(`stages:
  r:
    module: stages/s.ts
    params: { a: 1 }
    outs: [o]
  f:
    module: stages/s.ts
    deps: { r: r:o }
    outs: [o]
  x:
    module: stages/s.ts
    deps: { r: r:o, f: f:o }
    outs: [o]
sweep:
  r.a: [1, 2]
`),
    );
    const xs = [...p.stages.values()].filter((s) => s.base === "x");
    expect(xs.map((s) => [fromOf(s, "r"), fromOf(s, "f")])).toEqual([
      ["r[a=1]", "f[r.a=1]"],
      ["r[a=2]", "f[r.a=2]"],
    ]);
  });

  it("recomputes the seed of a variant that sweeps it, and leaves a pipeline without a sweep as it is", async () => {
    const base = await load(`${ML}sweep:\n  ridge.seed: [1, 2]\n`);
    const p = expandSweep(base);
    expect(stage(p, "ridge[seed=2]").seed).toBe(2);
    const plain = await load(ML);
    expect(expandSweep(plain)).toBe(plain);
  });

  it("selects a stage's variants by its name, one variant by its own", async () => {
    const p = expandSweep(await load(`${ML}sweep:\n  ridge.alpha: [0.01, 0.1]\n`));
    const all = selectStages(p, { targets: ["ridge"] });
    expect(all.ok && all.value).toEqual(["load", "ridge[alpha=0.01]", "ridge[alpha=0.1]", "ridge[alpha=0.03]"]);
    const one = selectStages(p, { targets: ["finetune[ridge.alpha=0.1]"] });
    expect(one.ok && one.value).toEqual(["load", "pca", "ridge[alpha=0.1]", "finetune[ridge.alpha=0.1]"]);
    const typo = selectStages(p, { targets: ["ridg"] });
    expect(!typo.ok && typo.error.hint).toBe('did you mean "ridge"?');
  });

  it("names artifacts safely: odd characters percent-encoded, long labels hashed", () => {
    expect(artifactName("ridge", "alpha=0.01")).toBe("ridge@alpha=0.01");
    expect(artifactName("f", 'head="a b/c"')).toBe("f@head=%22a%20b%2Fc%22");
    const long = artifactName("f", "x=".padEnd(300, "y"));
    expect(long.length).toBeLessThanOrEqual(120);
    expect(long).toMatch(/^f@x=y+~[0-9a-f]{16}$/);
    expect(long).not.toBe(artifactName("f", "x=".padEnd(301, "y")));
  });
});

describe("sweep block checks", () => {
  it("reports an unknown stage at its name in the key, with a suggestion", async () => {
    const errors = await problems(`${ML}sweep:\n  ridg.alpha: [1, 2]\n`);
    expect(errors.map(({ reason, line, col, endCol, message, hint }) => ({ reason, line, col, endCol, message, hint }))).toEqual([
      { reason: "unknown-stage", line: 22, col: 3, endCol: 7, message: 'sweep "ridg.alpha" names unknown stage "ridg"', hint: 'did you mean "ridge"?' },
    ]);
  });

  it("reports an unknown param at the missing segment, with a suggestion or the stage's params", async () => {
    const errors = await problems(`${ML}sweep:\n  ridge.alpah: [1, 2]\n  finetune.loss.infnce: [0, 1]\n  finetune.epochs.x: [1]\n  pca.k: [1]\n`);
    expect(errors.map(({ line, col, endCol, message, hint }) => ({ line, col, endCol, message, hint }))).toEqual([
      { line: 22, col: 9, endCol: 14, message: 'sweep "ridge.alpah": stage "ridge" has no param "alpah"', hint: 'did you mean "alpha"?' },
      { line: 23, col: 17, endCol: 23, message: 'sweep "finetune.loss.infnce": param "loss" of stage "finetune" has no param "infnce"', hint: 'did you mean "infonce"?' },
      { line: 24, col: 19, endCol: 20, message: 'sweep "finetune.epochs.x": param "epochs" of stage "finetune" is not a mapping, so it has no "x"', hint: 'sweep "finetune.epochs" itself' },
      { line: 25, col: 7, endCol: 8, message: 'sweep "pca.k": stage "pca" has no param "k"', hint: "declare it under the stage's params first (a sweep varies a param the stage has)" },
    ]);
  });

  it("checks the block's shape through the schema: keys, lists, empty lists", async () => {
    const errors = await problems(`${ML}sweep:\n  alpha: [1]\n  ridge.alpha: 0.1\n  finetune.epochs: []\n`);
    expect(errors.map(({ line, col, message, hint }) => ({ line, col, message, hint }))).toEqual([
      { line: 22, col: 3, message: 'invalid sweep key "alpha"', hint: "name a stage param as STAGE.PARAM, e.g. ridge.alpha or finetune.loss.infonce" },
      { line: 23, col: 16, message: 'sweep "ridge.alpha" must be a list of values to try, e.g. [0.01, 0.1], got the number 0.1', hint: "write a list, e.g. ridge.alpha: [0.1]" },
      { line: 24, col: 20, message: 'sweep "finetune.epochs" is empty', hint: "list at least one value to try" },
    ]);
  });

  it("rejects a value listed twice (0.1 and 1e-1 are one value) and overlapping params", async () => {
    const errors = await problems(`${ML}sweep:\n  ridge.alpha: [0.1, 0.3, 1e-1]\n  finetune.loss: [{ mse: 1 }]\n  finetune.loss.mse: [1]\n`);
    expect(errors.map(({ line, col, message }) => ({ line, col, message }))).toEqual([
      { line: 22, col: 27, message: 'sweep "ridge.alpha" lists the value 0.1 twice' },
      { line: 24, col: 3, message: 'sweep "finetune.loss.mse" overlaps sweep "finetune.loss"' },
    ]);
  });
});

describe("--set", () => {
  function set(...texts: string[]): ParamOverride[] {
    return texts.map((text) => {
      const parsed = parseOverride(text);
      if (!parsed.ok) throw new Error(parsed.error.message);
      return parsed.value;
    });
  }

  it("reads the value as YAML and applies it as if the file said so, seed included", async () => {
    const p = await load(ML);
    const applied = applyOverrides(p, set("finetune.epochs=5", "finetune.loss.mse=[1, 2]", "ridge.seed=7", "ridge.alpha=1e-2"));
    if (!applied.ok) throw new Error(applied.error.message);
    expect(stage(applied.value, "finetune").params).toEqual({ epochs: 5, loss: { mse: [1, 2], infonce: 0 } });
    expect(stage(applied.value, "ridge")).toMatchObject({ params: { alpha: 0.01, seed: 7 }, seed: 7 });
    expect(stage(p, "finetune").params["epochs"]).toBe(10);
  });

  it("rejects malformed overrides and names the unknown stage or param with a suggestion", async () => {
    const p = await load(ML);
    expect(parseOverride("epochs=5").ok).toBe(false);
    expect(parseOverride("finetune.epochs").ok).toBe(false);
    const stageTypo = applyOverrides(p, set("finetun.epochs=5"));
    expect(!stageTypo.ok && stageTypo.error.message).toBe('--set finetun.epochs=5: unknown stage "finetun"; did you mean "finetune"?');
    const paramTypo = applyOverrides(p, set("finetune.epoch=5"));
    expect(!paramTypo.ok && paramTypo.error.message).toBe('--set finetune.epoch=5: stage "finetune" has no param "epoch"; did you mean "epochs"?');
  });
});
