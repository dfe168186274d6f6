// Loading pipeline.yaml: every malformed case gives the right position, message and hint; the default file loads.
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv2020 } from "ajv/dist/2020.js";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { displayPath, formatConfigErrors, type ConfigError } from "../../runner/config/config-error.js";
import { didYouMean, editDistance } from "../../runner/config/did-you-mean.js";
import { loadPipeline } from "../../runner/config/load-pipeline.js";
import { pipelineSchemaPath } from "../../runner/config/schema-check.js";
import type { Pipeline } from "../../runner/pipeline.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const made: string[] = [];

afterAll(async () => {
  await Promise.all(made.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A temp project holding `files` (name → contents; a name ending in "/" is a folder) and pipeline.yaml. */
async function project(yaml: string, files: Record<string, string> = {}): Promise<{ root: string; file: string }> {
  const root = await mkdtemp(path.join(os.tmpdir(), "dag-config-"));
  made.push(root);
  for (const [name, contents] of Object.entries({ "stages/a.ts": "", "stages/b.ts": "", "stages/c.ts": "", ...files })) {
    const target = path.join(root, name);
    if (name.endsWith("/")) await mkdir(target, { recursive: true });
    else {
      await mkdir(path.dirname(target), { recursive: true });
      await writeFile(target, contents);
    }
  }
  const file = path.join(root, "pipeline.yaml");
  await writeFile(file, yaml);
  return { root, file };
}

async function load(yaml: string, files: Record<string, string> = {}): Promise<Pipeline> {
  const { root, file } = await project(yaml, files);
  const result = await loadPipeline(file, root);
  if (!result.ok) throw new Error(`expected no errors, got:\n${formatConfigErrors(result.error)}`);
  return result.value;
}

async function problems(yaml: string, files: Record<string, string> = {}): Promise<ConfigError[]> {
  const { root, file } = await project(yaml, files);
  const result = await loadPipeline(file, root);
  if (result.ok) throw new Error("expected config errors, the pipeline loaded");
  return result.error;
}

/** The one error of `reason`, with its position and text. */
function only(errors: readonly ConfigError[], reason: ConfigError["reason"]) {
  const matching = errors.filter((error) => error.reason === reason);
  expect(matching, formatConfigErrors(errors)).toHaveLength(1);
  const { line, col, endCol, message, hint } = matching[0] as ConfigError;
  return { line, col, endCol, message, hint };
}

const twoStages = (extraA = "", extraB = "") => `params:
  seed: 42
stages:
  a:
    module: stages/a.ts
    outs: [x.npy, y.npy]
${extraA}  b:
    module: stages/b.ts
    deps:
      x: a:x.npy
    outs: [z.npy]
${extraB}`;

describe("loadPipeline on the default pipeline.yaml", () => {
  it("loads it with every stage, resolved params and typed seeds", async () => {
    const yaml = await readFile(path.join(repoRoot, "pipeline.yaml"), "utf8");
    const modules = Object.values((parse(yaml) as { stages: Record<string, { module: string }> }).stages).map((stage) => stage.module);
    const p = await load(yaml, { ...Object.fromEntries(modules.map((module) => [module, ""])), "data/": "" });
    expect([...p.stages.keys()]).toEqual(["load", "pca", "baseline-eval", "ridge", "ridge-refit", "finetune", "head", "finetune-refit", "export"]);
    const loadStage = p.stages.get("load")!;
    expect((loadStage.params["synthetic"] as Record<string, unknown>)["seed"]).toBe(42);
    expect(loadStage.params["seed"]).toBe(42);
    expect(loadStage.seed).toBe(42);
    expect(p.stages.get("pca")!.seed).toBe(42);
    // source: synthetic reads no file: load declares no inputs (issue 10, item 1).
    expect(loadStage.deps).toEqual([]);
    expect(loadStage.module).toBe("stages/load.ts");
    expect(p.stages.get("export")!.deps.at(-2)).toEqual({ name: "weights", kind: "output", stage: "finetune-refit", out: "weights.npz", from: "finetune-refit" });
    expect(p.stages.get("export")!.deps.at(-1)).toEqual({ name: "head", kind: "output", stage: "head", out: "selected.json", from: "head" });
    expect(p.stages.get("export")!.params["model"]).toBe("selected");
    expect(p.stages.get("ridge")!.outs).toContain("W.npy");
    expect(p.stages.get("finetune")!.params["loss"]).toEqual({ mse: 0, cosine: 0, infonce: 1 });
    expect(p.params).toEqual({ seed: 42, space: "dual" });
    // One top-level space: export submits in it, and ridge and finetune validate what it submits.
    for (const stage of ["ridge", "finetune", "export"]) expect(p.stages.get(stage)!.params["space"], stage).toBe("dual");
    // finetune's learning rate as foreach copies, among which (and ridge) `head` chooses.
    expect(p.sweep).toMatchObject([{ id: "finetune.lr", stage: "finetune", foreach: true, values: [0.0001, 0.0002] }]);
    expect(p.stages.get("load")!.position).toEqual({ line: 18, col: 3 });
  });

  it("finds nothing wrong with the file in place but stage modules not written yet", async () => {
    const result = await loadPipeline(path.join(repoRoot, "pipeline.yaml"), repoRoot);
    const other = result.ok ? [] : result.error.filter((error) => error.reason !== "missing-module");
    expect(formatConfigErrors(other)).toBe("");
  });
});

describe("loadPipeline results", () => {
  it("keeps file order, normalises paths and takes an absolute path inside the project", async () => {
    const { root, file } = await project(
      `stages:
  b:
    module: ./stages//b.ts
    deps:
      raw: ABS/data/raw.npz
      folder: data/sub/
    outs: [./plots/, out.npy]
  a:
    module: stages/a.ts
    outs: [x]
`,
      { "data/raw.npz": "x", "data/sub/": "" },
    );
    await writeFile(file, (await readFile(file, "utf8")).replace("ABS", root));
    const result = await loadPipeline(file, root);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect([...result.value.stages.keys()]).toEqual(["b", "a"]);
    const b = result.value.stages.get("b")!;
    expect(b.module).toBe("stages/b.ts");
    expect(b.outs).toEqual(["plots", "out.npy"]);
    expect(b.deps).toEqual([
      { name: "raw", kind: "path", path: "data/raw.npz", isDir: false },
      { name: "folder", kind: "path", path: "data/sub", isDir: true },
    ]);
    expect(result.value.file).toBe(file);
    expect(result.value.root).toBe(root);
  });

  it("reads the sweep block into axes and keeps descriptions", async () => {
    const p = await load(`params:
  seed: 3
stages:
  a:
    module: stages/a.ts
    description: makes x
    params: { alpha: 1, loss: { infonce: 0 } }
    outs: [x]
sweep:
  a.alpha: [1, 2]
  a.loss.infonce: [0, "\${seed}"]
`);
    expect(p.sweep).toEqual([
      { id: "a.alpha", stage: "a", path: ["alpha"], values: [1, 2] },
      { id: "a.loss.infonce", stage: "a", path: ["loss", "infonce"], values: [0, 3] },
    ]);
    expect(p.stages.get("a")!.description).toBe("makes x");
  });

  it("resolves ${name} with its type when whole, as text when embedded, recursively", async () => {
    const p = await load(`params:
  seed: 7
  size: {w: 2, h: 3}
  tag: run
stages:
  a:
    module: stages/a.ts
    outs: [x]
    params:
      seed: \${seed}
      size: \${size}
      label: "\${tag}-\${seed}"
      shape: "\${size}!"
      nested: {list: [1, "\${seed}", {deep: "\${tag}"}]}
      plain: no refs
`);
    const params = p.stages.get("a")!.params;
    expect(params).toEqual({
      seed: 7,
      size: { w: 2, h: 3 },
      label: "run-7",
      shape: '{"w":2,"h":3}!',
      nested: { list: [1, 7, { deep: "run" }] },
      plain: "no refs",
    });
    expect(p.stages.get("a")!.seed).toBe(7);
  });

  it("takes the seed from the stage, else the top level, else 0", async () => {
    const stage = (name: string, params: string) => `  ${name}:\n    module: stages/a.ts\n    outs: [x]\n${params}`;
    const withTop = await load(`params:\n  seed: 5\nstages:\n${stage("own", "    params: {seed: 9}\n")}${stage("text", "    params: {seed: nine}\n")}${stage("none", "")}`);
    expect([...withTop.stages.values()].map((s) => s.seed)).toEqual([9, 5, 5]);
    const withoutTop = await load(`params:\n  seed: abc\nstages:\n${stage("none", "")}`);
    expect(withoutTop.stages.get("none")!.seed).toBe(0);
  });

  it("accepts empty deps and params", async () => {
    const p = await load(`params:\nstages:\n  a:\n    module: stages/a.ts\n    deps:\n    params:\n    outs: [x]\n`);
    expect(p.stages.get("a")!.deps).toEqual([]);
    expect(p.stages.get("a")!.params).toEqual({});
  });
});

describe("loadPipeline problems", () => {
  it("reports a YAML syntax error at the library's position", async () => {
    const errors = await problems(`stages:\n  a:\n    module: stages/a.ts\n    outs: x: y\n`);
    expect(errors.every((error) => error.reason === "yaml-syntax")).toBe(true);
    expect(errors[0]).toMatchObject({ line: 4, col: 11, message: "Nested mappings are not allowed in compact mappings" });
  });

  it("suggests quoting a ${reference} inside a flow mapping", async () => {
    const errors = await problems(`params: {seed: 1}\nstages:\n  a:\n    module: stages/a.ts\n    outs: [x]\n    params: {alpha: 0.03, seed: \${seed}}\n`);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ reason: "yaml-syntax", line: 6, col: 34, hint: 'inside { } or [ ], quote a reference: "${name}"' });
    const quoted = await load(`params: {seed: 1}\nstages:\n  a:\n    module: stages/a.ts\n    outs: [x]\n    params: {alpha: 0.03, seed: "\${seed}"}\n`);
    expect(quoted.stages.get("a")!.params).toEqual({ alpha: 0.03, seed: 1 });
  });

  it("reports a duplicate key at its second occurrence", async () => {
    const errors = await problems(`stages:\n  a:\n    module: stages/a.ts\n    outs: [x]\n    outs: [y]\n`);
    expect(only(errors, "yaml-syntax")).toEqual({ line: 5, col: 5, endCol: 9, message: 'duplicate key "outs"', hint: "each key may appear only once in a mapping" });
  });

  it("names unknown keys with a suggestion, in a stage and at the top level", async () => {
    const errors = await problems(`parms: {}\nstages:\n  a:\n    module: stages/a.ts\n    outs: [x]\n    parms:\n      alpha: 1\n    colour: red\n`);
    const unknown = errors.filter((error) => error.reason === "unknown-key");
    expect(unknown.map(({ line, col, endCol, message, hint }) => ({ line, col, endCol, message, hint }))).toEqual([
      { line: 1, col: 1, endCol: 6, message: 'unknown key "parms" at the top level', hint: 'did you mean "params"?' },
      { line: 6, col: 5, endCol: 10, message: 'unknown key "parms" in stage "a"', hint: 'did you mean "params"?' },
      { line: 8, col: 5, endCol: 11, message: 'unknown key "colour" in stage "a"', hint: "allowed keys here: module, description, deps, outs, params, foreach, env, metrics, plots, resources" },
    ]);
  });

  it("says what was expected for a wrong type, at the value", async () => {
    const errors = await problems(`stages:\n  a:\n    module: stages/a.ts\n    outs: x.npy\n  b:\n    module: stages/b.ts\n    deps:\n      - data/\n    outs: [y, 3]\n    params: [1, 2]\n`);
    const schema = errors.filter((error) => error.reason === "schema").map(({ line, col, message, hint }) => ({ line, col, message, hint }));
    expect(schema).toEqual([
      { line: 4, col: 11, message: '"outs" of stage "a" must be a list of output files, got the string "x.npy"', hint: "write a list, e.g. outs: [x.npy]" },
      {
        line: 8,
        col: 7,
        message: '"deps" of stage "b" must be a mapping of input names to STAGE:OUT or workspace paths, got a list',
        hint: "name each input, e.g. deps: { captions: load:captions.npy, data: data/ }",
      },
      { line: 9, col: 15, message: "output #2 of stage \"b\" must be a string: a path inside the stage's output folder, got the number 3", hint: undefined },
      { line: 10, col: 13, message: '"params" of stage "b" must be a mapping of param names to values, got a list', hint: undefined },
    ]);
  });

  it("reports a missing required key at the stage, and an empty or missing stages block", async () => {
    const errors = await problems(`stages:\n  a:\n    outs: [x]\n  b:\n    module: stages/b.ts\n`);
    expect(errors.map(({ line, col, message }) => ({ line, col, message }))).toEqual([
      { line: 2, col: 3, message: 'stage "a" has no "module"' },
      { line: 4, col: 3, message: 'stage "b" has no "outs"' },
    ]);
    expect(errors[0]!.hint).toBe("add the file that runs the stage, e.g. module: stages/a.ts");
    expect(only(await problems(`params: {}\n`), "schema")).toMatchObject({ line: 1, col: 1, message: 'the pipeline file has no "stages"' });
    expect(only(await problems(`stages: {}\n`), "schema")).toMatchObject({ line: 1, col: 9, message: '"stages" is empty' });
    expect(only(await problems(``), "schema")).toMatchObject({ line: 1, col: 1, message: 'the pipeline file must be a mapping with "stages" (and optional "params"), got nothing' });
  });

  it("rejects invalid stage and input names", async () => {
    const errors = await problems(`stages:\n  Load_Data:\n    module: stages/a.ts\n    deps: {2x: data/}\n    outs: [x]\n`, { "data/": "" });
    expect(errors.map(({ line, col, message, hint }) => ({ line, col, message, hint }))).toEqual([
      { line: 2, col: 3, message: 'invalid stage name "Load_Data"', hint: 'stage names use lowercase letters, digits, "_" and "-", starting with a letter, e.g. "load_data"' },
      { line: 4, col: 12, message: 'invalid input name "2x" in stage "Load_Data"', hint: 'input names use letters, digits and "_", not starting with a digit' },
    ]);
  });

  it("reports a dep on an unknown stage, underlining the stage name", async () => {
    const errors = await problems(twoStages("", "  c:\n    module: stages/c.ts\n    deps: {z: bb:z.npy}\n    outs: [w]\n"));
    expect(only(errors, "unknown-stage")).toEqual({ line: 14, col: 15, endCol: 17, message: 'input "z" of stage "c" refers to unknown stage "bb"', hint: 'did you mean "b"?' });
  });

  it("reports a dep on an undeclared output, underlining the output", async () => {
    const errors = await problems(twoStages().replace("a:x.npy", "a:x.npz"));
    expect(only(errors, "unknown-output")).toEqual({ line: 10, col: 12, endCol: 17, message: 'stage "a" has no output "x.npz"', hint: 'did you mean "x.npy"?' });
    const far = await problems(twoStages().replace("a:x.npy", "a:model.bin"));
    expect(only(far, "unknown-output").hint).toBe("its outputs: x.npy, y.npy");
  });

  it("reports a STAGE:OUT missing its stage or its output", async () => {
    const errors = await problems(twoStages().replace("x: a:x.npy", 'x: "a:"\n      w: ":x.npy"'));
    expect(errors.map(({ reason, line, col, message, hint }) => ({ reason, line, col, message, hint }))).toEqual([
      { reason: "unknown-output", line: 10, col: 11, message: 'input "x" of stage "b" names stage "a" but no output', hint: "write a:OUT, e.g. a:x.npy" },
      { reason: "unknown-stage", line: 11, col: 11, message: 'input "w" of stage "b" names no stage', hint: "write STAGE:OUT, e.g. load:captions.npy" },
    ]);
  });

  it("reports an unknown ${param} at the reference, whole or embedded", async () => {
    const errors = await problems(`params:\n  seed: 1\n  tag: t\nstages:\n  a:\n    module: stages/a.ts\n    outs: [x]\n    params:\n      seed: \${sed}\n      nested:\n        label: "run-\${tga}"\n`);
    expect(errors.map(({ reason, line, col, endCol, message, hint }) => ({ reason, line, col, endCol, message, hint }))).toEqual([
      { reason: "unknown-param", line: 9, col: 13, endCol: 19, message: 'unknown param "${sed}"', hint: 'did you mean "seed"?' },
      { reason: "unknown-param", line: 11, col: 21, endCol: 27, message: 'unknown param "${tga}"', hint: 'did you mean "tag"?' },
    ]);
    const none = await problems(`stages:\n  a:\n    module: stages/a.ts\n    outs: [x]\n    params:\n      seed: \${seed}\n`);
    expect(only(none, "unknown-param").hint).toBe('declare it under the top-level "params:"');
  });

  it("prints a cycle at its first stage", async () => {
    const errors = await problems(`stages:
  a:
    module: stages/a.ts
    deps: {z: c:z}
    outs: [x]
  b:
    module: stages/b.ts
    deps: {x: a:x}
    outs: [y]
  c:
    module: stages/c.ts
    deps: {y: b:y}
    outs: [z]
  d:
    module: stages/c.ts
    deps: {w: d:w}
    outs: [w]
`);
    const cycles = errors.filter((error) => error.reason === "cycle").map(({ line, col, message }) => ({ line, col, message }));
    expect(cycles).toEqual([
      { line: 2, col: 3, message: "dependency cycle: a → b → c → a" },
      { line: 14, col: 3, message: "dependency cycle: d → d" },
    ]);
  });

  it("reports a missing input at its value, and an input outside the project", async () => {
    const errors = await problems(`stages:\n  a:\n    module: stages/a.ts\n    deps:\n      raw: data/x.npz\n      up: ../secret\n    outs: [x]\n`, { "data/y.npz": "" });
    expect(only(errors, "missing-input")).toEqual({ line: 5, col: 12, endCol: 22, message: "input data/x.npz does not exist", hint: 'did you mean "data/y.npz"?' });
    expect(only(errors, "bad-path")).toMatchObject({ line: 6, col: 11, message: 'input "../secret" is outside the project' });
  });

  it("reports a missing module and a module outside the project", async () => {
    const errors = await problems(`stages:\n  a:\n    module: stages/aa.ts\n    outs: [x]\n  b:\n    module: /etc/passwd\n    outs: [y]\n  c:\n    module: stages\n    outs: [z]\n`);
    expect(errors.map(({ reason, line, col, message, hint }) => ({ reason, line, col, message, hint }))).toEqual([
      { reason: "missing-module", line: 3, col: 13, message: "module stages/aa.ts does not exist", hint: 'did you mean "stages/a.ts"?' },
      { reason: "bad-path", line: 6, col: 13, message: 'module "/etc/passwd" is outside the project', hint: "name the stage's file relative to the project root, e.g. stages/NAME.ts" },
      { reason: "missing-module", line: 9, col: 13, message: "module stages is a folder, not a file", hint: undefined },
    ]);
  });

  it("rejects absolute and .. output paths", async () => {
    const errors = await problems(`stages:\n  a:\n    module: stages/a.ts\n    outs:\n      - /tmp/W.npy\n      - ../W.npy\n      - sub/../W.npy\n      - ./\n`);
    expect(errors.map(({ reason, line, col, message }) => ({ reason, line, col, message }))).toEqual([
      { reason: "bad-path", line: 5, col: 9, message: 'output "/tmp/W.npy" of stage "a" is an absolute path' },
      { reason: "bad-path", line: 6, col: 9, message: 'output "../W.npy" of stage "a" leads out of its output folder ("..")' },
      { reason: "bad-path", line: 7, col: 9, message: 'output "sub/../W.npy" of stage "a" leads out of its output folder ("..")' },
      { reason: "bad-path", line: 8, col: 9, message: 'output "./" of stage "a" names the output folder itself' },
    ]);
  });

  it("reports duplicate outputs in a stage and stages sharing an output folder", async () => {
    const errors = await problems(`stages:\n  a:\n    module: stages/a.ts\n    outs: [x.npy, y, ./x.npy, y/z]\n  A:\n    module: stages/b.ts\n    outs: [w]\n`);
    const duplicates = errors.filter((error) => error.reason === "duplicate-output").map(({ line, col, message, hint }) => ({ line, col, message, hint }));
    expect(duplicates).toEqual([
      { line: 4, col: 22, message: 'output "x.npy" is listed twice in stage "a"', hint: "it is already listed on line 4" },
      { line: 4, col: 31, message: 'output "y/z" of stage "a" lies inside output "y"', hint: "declare either the folder or the files in it" },
      { line: 5, col: 3, message: 'stages "a" and "A" would share the output folder artifacts/a/', hint: "rename one of them" },
    ]);
    expect(only(errors, "schema").message).toBe('invalid stage name "A"');
  });

  it("reports several problems together, in file order", async () => {
    const errors = await problems(`params:\n  seed: 1\nstages:\n  a:\n    module: stages/missing.ts\n    deps: {raw: data/none.npz}\n    outs: [x, x]\n    parms: {}\n  b:\n    module: stages/b.ts\n    deps: {x: a:y}\n    outs: /abs\n    params:\n      s: \${seeed}\n`);
    expect(errors.map((error) => `${error.line}:${error.col} ${error.reason}`)).toEqual([
      "5:13 missing-module",
      "6:17 missing-input",
      "7:15 duplicate-output",
      "8:5 unknown-key",
      "11:17 unknown-output",
      "12:11 schema",
      "14:10 unknown-param",
    ]);
  });

  it("reports a missing pipeline file without a position", async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), "dag-config-"));
    made.push(root);
    const result = await loadPipeline(path.join(root, "pipeline.yaml"), root);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toHaveLength(1);
    expect(result.error[0]).toMatchObject({ reason: "missing-file", line: 0, message: `pipeline file ${path.join(root, "pipeline.yaml")} does not exist` });
    expect(formatConfigErrors(result.error)).toBe(
      `${path.join(root, "pipeline.yaml")} error: pipeline file ${path.join(root, "pipeline.yaml")} does not exist\n  hint: run dag in the folder that holds pipeline.yaml, or name the pipeline file explicitly\n`,
    );
  });

  it("names the file relative to the working directory", async () => {
    const { root } = await project(`stages:\n  a:\n    module: stages/a.ts\n    outs: [x]\n    parms: {}\n`);
    await mkdir(path.join(root, "test"));
    await writeFile(path.join(root, "test", "x.yaml"), `stages: []\n`);
    const cwd = process.cwd();
    process.chdir(root);
    try {
      const top = await loadPipeline("pipeline.yaml", ".");
      const nested = await loadPipeline(path.join(root, "test", "x.yaml"), root);
      expect(top.ok || top.error[0]!.file).toBe("pipeline.yaml");
      expect(nested.ok || nested.error[0]!.file).toBe("test/x.yaml");
    } finally {
      process.chdir(cwd);
    }
  });
});

describe("formatConfigErrors", () => {
  it("prints each problem with its line, an underline and the hint", async () => {
    const { root } = await project(
      `stages:\n  ridge:\n    module: stages/a.ts\n    outs: [W.npy]\n    parms:\n      alpha: 1\n`.replace("stages:", "params: {seed: 1}\nstages:") +
        Array.from({ length: 30 }, () => "# padding\n").join(""),
    );
    const cwd = process.cwd();
    process.chdir(root);
    try {
      const result = await loadPipeline("pipeline.yaml", root);
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(formatConfigErrors(result.error)).toBe(
        'pipeline.yaml:6:5 error: unknown key "parms" in stage "ridge"\n  6 |     parms:\n    |     ^^^^^\n  hint: did you mean "params"?\n',
      );
    } finally {
      process.chdir(cwd);
    }
  });

  it("aligns the gutter for wide line numbers, separates blocks and colours on request", () => {
    const errors: ConfigError[] = [
      { reason: "unknown-key", file: "pipeline.yaml", line: 31, col: 5, endCol: 10, message: 'unknown key "parms" in stage "ridge"', hint: 'did you mean "params"?', sourceLine: "    parms:" },
      { reason: "schema", file: "pipeline.yaml", line: 40, col: 3, message: "something", sourceLine: "\tx: 1" },
    ];
    expect(formatConfigErrors(errors)).toBe(
      'pipeline.yaml:31:5 error: unknown key "parms" in stage "ridge"\n  31 |     parms:\n     |     ^^^^^\n  hint: did you mean "params"?\n\n' +
        "pipeline.yaml:40:3 error: something\n  40 | \tx: 1\n     | \t ^\n",
    );
    const coloured = formatConfigErrors(errors, { color: true });
    expect(coloured).toContain("\u001b[31merror:\u001b[39m");
    expect(coloured.replace(/\u001b\[\d+m/g, "")).toBe(formatConfigErrors(errors));
  });
});

describe("did you mean", () => {
  it("counts edits, with a swap of neighbours as one", () => {
    expect(editDistance("parms", "params")).toBe(1);
    expect(editDistance("tga", "tag")).toBe(1);
    expect(editDistance("kitten", "sitting")).toBe(3);
    expect(editDistance("", "abc")).toBe(3);
  });

  it("suggests only plausible typos, the closest first", () => {
    expect(didYouMean("rigde", ["load", "ridge", "finetune"])).toBe("ridge");
    expect(didYouMean("RIDGE", ["ridge"])).toBe("ridge");
    expect(didYouMean("deploy", ["load", "ridge", "finetune"])).toBeUndefined();
    expect(didYouMean("ab", ["xy"])).toBeUndefined();
    expect(didYouMean("stage", ["stages", "stage2s"])).toBe("stages");
  });

  it("shows paths relative to the working directory when inside it", () => {
    expect(displayPath("/work/p/pipeline.yaml", "/work/p")).toBe("pipeline.yaml");
    expect(displayPath("sub/x.yaml", "/work/p")).toBe("sub/x.yaml");
    expect(displayPath("/elsewhere/x.yaml", "/work/p")).toBe("/elsewhere/x.yaml");
  });
});

describe("schemas/pipeline.schema.json", () => {
  it("is a valid draft 2020-12 schema", async () => {
    const schema = JSON.parse(await readFile(pipelineSchemaPath(), "utf8")) as object;
    const ajv = new Ajv2020({ strict: true });
    expect(ajv.validateSchema(schema), JSON.stringify(ajv.errors)).toBe(true);
    expect(pipelineSchemaPath()).toBe(path.join(repoRoot, "schemas", "pipeline.schema.json"));
  });
});

describe("metrics and plots declarations", () => {
  it("reads a stage's headline metrics and plots, x defaulting to epoch", async () => {
    const p = await load(`stages:
  train:
    module: stages/a.ts
    outs: [curve.json, metrics.json]
    metrics: [mrr_full, "r*_full"]
    plots:
      - curve.json: { x: step, y: [loss, "mrr_*"] }
      - metrics.json
`);
    const train = p.stages.get("train");
    expect(train?.metrics).toEqual(["mrr_full", "r*_full"]);
    expect(train?.plots).toEqual([
      { file: "curve.json", x: "step", y: ["loss", "mrr_*"] },
      { file: "metrics.json", x: "epoch", y: undefined },
    ]);
  });

  it("a plot that is not an output of the stage, and a metric that is not a name, are positioned errors", async () => {
    const errors = await problems(`stages:
  train:
    module: stages/a.ts
    outs: [curve.json]
    metrics: ["mrr full"]
    plots: [curves.json]
`);
    expect(only(errors, "unknown-output")).toMatchObject({ line: 6, col: 13, message: 'plot "curves.json" of stage "train" is not one of its outputs', hint: 'did you mean "curve.json"?' });
    expect(errors.find((e) => e.message.includes("is not a metric name"))).toMatchObject({ line: 5, col: 15 });
  });
});

describe("headline metrics and plotted fields", () => {
  it("match names and * patterns, falling back to the first three metrics", async () => {
    const { headlineMetrics, plottedFields, matchesAny } = await import("../../runner/declarations.js");
    expect(matchesAny("test_mrr_full", ["test_mrr_*"])).toBe(true);
    expect(matchesAny("mrr.full", ["mrr_*"])).toBe(false);
    expect(headlineMetrics(["loss", "mrr_full", "r1_full", "mrr_batch100"], ["mrr_*"])).toEqual(["mrr_full", "mrr_batch100"]);
    expect(headlineMetrics(["a", "b", "c", "d"], [])).toEqual(["a", "b", "c"]);
    expect(headlineMetrics(["a", "b", "c", "d"], ["mrr_*"])).toEqual(["a", "b", "c"]);
    expect(plottedFields({ file: "c.json", x: "epoch", y: ["loss", "mrr_*"] }, ["epoch", "mrr_full", "loss", "lr"])).toEqual(["loss", "mrr_full"]);
    expect(plottedFields({ file: "c.json", x: "epoch", y: undefined }, ["epoch", "loss", "lr"])).toEqual(["loss", "lr"]);
  });
});
