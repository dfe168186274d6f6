// End-to-end: what shapes a stage's outputs is in its key — asset files its code names, the runtime, declared environment variables, symlinked inputs.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { clearRuns, dag, dagWithEnv, makeProject, read, runsLog, write } from "./project.js";

/** A stage whose library names a build identity file, a model folder and a file that may not exist, the standard ESM way. */
const ASSET_STAGE = `import { appendFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { identity, models, optional } from "./lib/assets.js";

const job = JSON.parse(readFileSync(process.env["DAG_JOB"] as string, "utf8"));
appendFileSync(path.join(process.cwd(), "runs.log"), job.stage + " " + process.pid + "\\n");
const id = existsSync(identity) ? readFileSync(identity, "utf8") : "none";
const extra = existsSync(optional) ? readFileSync(optional, "utf8") : "absent";
writeFileSync(job.outs["o.txt"], id + "|" + extra + "|" + String(existsSync(models)));
`;
const ASSET_LIB = `// Asset references a bundler would follow.
export const identity = new URL("../../native/build/identity.json", import.meta.url);
export const models = new URL('../../models/', import.meta.url);
export const optional = new URL(\`./tuning.json\`, import.meta.url);
`;

function assetProject(): string {
  return makeProject({
    "pipeline.yaml": `stages:
  a:
    module: stages/asset.ts
    outs: [o.txt]
  b:
    module: stages/echo.ts
    outs: [o.txt]
`,
    "stages/asset.ts": ASSET_STAGE,
    "stages/lib/assets.ts": ASSET_LIB,
    "native/build/identity.json": `{"isa":"avx2","sources":"sha256:1"}`,
    "models/m1.bin": "weights-1",
  });
}

interface StatusJson {
  stages: { name: string; state: string; reasons: string[] }[];
}

async function statusOf(dir: string, env: Record<string, string | undefined> = {}): Promise<Map<string, { state: string; reasons: string[] }>> {
  const r = await dagWithEnv(dir, env, "status", "--json");
  expect(r.exitCode).toBe(0);
  return new Map((JSON.parse(r.stdout) as StatusJson).stages.map((s) => [s.name, s]));
}

describe("asset files named with new URL(…, import.meta.url)", () => {
  it("a referenced file is hashed as code: editing it re-runs the stage that names it, and only that one", async () => {
    const dir = assetProject();
    expect((await dag(dir, "run")).exitCode).toBe(0);
    write(dir, "native/build/identity.json", `{"isa":"avx512","sources":"sha256:1"}`);
    const status = await statusOf(dir);
    expect(status.get("a")?.state).toBe("stale");
    expect(status.get("a")?.reasons).toContain("code of native/build/identity.json changed");
    expect(status.get("b")?.state).toBe("cached");
    clearRuns(dir);
    expect((await dag(dir, "run")).exitCode).toBe(0);
    expect(runsLog(dir)).toEqual(["a"]);
    expect(read(dir, "artifacts/a/o.txt")).toContain("avx512");
  });

  it("a referenced folder is hashed by its content; a missing file is recorded as absent, so its appearance re-runs", async () => {
    const dir = assetProject();
    expect((await dag(dir, "run")).exitCode).toBe(0);
    write(dir, "models/m2.bin", "weights-2");
    expect((await statusOf(dir)).get("a")?.reasons).toContain("code of models changed");
    expect((await dag(dir, "run")).exitCode).toBe(0);

    write(dir, "stages/lib/tuning.json", "{}");
    const status = await statusOf(dir);
    expect(status.get("a")?.state).toBe("stale");
    expect(status.get("a")?.reasons).toContain("code stages/lib/tuning.json appeared");
    clearRuns(dir);
    expect((await dag(dir, "run")).exitCode).toBe(0);
    expect(runsLog(dir)).toEqual(["a"]);
    expect(read(dir, "artifacts/a/o.txt")).toBe(`{"isa":"avx2","sources":"sha256:1"}|{}|true`);

    // Gone again: the entry made while it was absent matches once more.
    unlinkSync(path.join(dir, "stages/lib/tuning.json"));
    expect((await statusOf(dir)).get("a")).toMatchObject({ state: "cached", reasons: ["an earlier entry matches: `dag run` restores it without running"] });
  });
});

describe("the runtime in every key", () => {
  it("records the Node major, platform and architecture in the entry, as part of the key", async () => {
    const dir = makeProject({ "pipeline.yaml": "stages:\n  a:\n    module: stages/echo.ts\n    outs: [o.txt]\n" });
    expect((await dag(dir, "run")).exitCode).toBe(0);
    const key = readdirSync(path.join(dir, ".dag/entries/a"))[0] as string;
    const manifest = JSON.parse(read(dir, `.dag/entries/a/${key}/manifest.json`)) as { record: { inputs: { runtime: unknown } } };
    expect(manifest.record.inputs.runtime).toEqual({ node: process.versions.node.split(".")[0], platform: process.platform, arch: process.arch });
  });
});

describe("env: environment variables that shape results", () => {
  const ENV_YAML = `env: [DAG_TEST_SHARED]
stages:
  a:
    module: stages/echo.ts
    env: [DAG_TEST_OWN]
    outs: [o.txt]
  b:
    module: stages/echo.ts
    outs: [o.txt]
`;
  const unset = { DAG_TEST_SHARED: undefined, DAG_TEST_OWN: undefined };

  it("their values are in the key, unset told apart from empty; a stage's own list concerns that stage alone", async () => {
    const dir = makeProject({ "pipeline.yaml": ENV_YAML });
    expect((await dagWithEnv(dir, unset, "run")).exitCode).toBe(0);
    expect(runsLog(dir)).toEqual(["a", "b"]);

    clearRuns(dir);
    const empty = { ...unset, DAG_TEST_SHARED: "" };
    const status = await statusOf(dir, empty);
    expect(status.get("a")?.reasons).toEqual(["env DAG_TEST_SHARED (unset) → \"\""]);
    expect((await dagWithEnv(dir, empty, "run")).exitCode).toBe(0);
    expect(runsLog(dir)).toEqual(["a", "b"]);

    clearRuns(dir);
    const own = { ...empty, DAG_TEST_OWN: "1" };
    expect((await dagWithEnv(dir, own, "run")).exitCode).toBe(0);
    expect(runsLog(dir)).toEqual(["a"]);

    clearRuns(dir);
    expect((await dagWithEnv(dir, empty, "run")).exitCode).toBe(0);
    expect(runsLog(dir)).toEqual([]);
    // An undeclared variable is not part of any key.
    expect((await dagWithEnv(dir, { ...empty, DAG_TEST_OTHER: "x" }, "run")).exitCode).toBe(0);
    expect(runsLog(dir)).toEqual([]);
  });

  it("a malformed env list is a positioned config error", async () => {
    const dir = makeProject({
      "pipeline.yaml": `env: [DAG_OK, "not a name"]
stages:
  a:
    module: stages/echo.ts
    env: DAG_X
    outs: [o.txt]
`,
    });
    const r = await dag(dir, "run");
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/pipeline\.yaml:1:15 error: .*"not a name"/);
    expect(r.stderr).toMatch(/pipeline\.yaml:5:10 error: .*env.*stage "a"/);
    expect(runsLog(dir)).toEqual([]);
  });
});

describe("symbolic links", () => {
  it("a module that resolves through a symlink outside the project is refused like a lexical one", async () => {
    const outside = mkdtempSync(path.join(os.tmpdir(), "dag-outside-"));
    writeFileSync(path.join(outside, "ext.ts"), readFileSync(path.join(import.meta.dirname, "../fixtures/e2e/echo-stage.ts")));
    const dir = makeProject({ "pipeline.yaml": "stages:\n  a:\n    module: stages/ext.ts\n    outs: [o.txt]\n" });
    symlinkSync(path.join(outside, "ext.ts"), path.join(dir, "stages/ext.ts"));
    const r = await dag(dir, "run");
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/pipeline\.yaml:3:13 error: module "stages\/ext\.ts" resolves outside the project/);
    expect(runsLog(dir)).toEqual([]);
    expect((await dag(dir, "status")).exitCode).toBe(2);
  });

  it("inputs may be symlinks to files and folders elsewhere, hashed by their target", async () => {
    const disk = mkdtempSync(path.join(os.tmpdir(), "dag-disk-"));
    mkdirSync(path.join(disk, "set"));
    writeFileSync(path.join(disk, "set/x.txt"), "x1");
    writeFileSync(path.join(disk, "one.txt"), "one");
    writeFileSync(path.join(disk, "two.txt"), "two");
    const dir = makeProject({
      "pipeline.yaml": `stages:
  folder:
    module: stages/fault.ts
    deps: { data: data/set }
    outs: [o.txt]
  file:
    module: stages/echo.ts
    deps: { raw: input.txt }
    outs: [o.txt]
`,
    });
    mkdirSync(path.join(dir, "data"));
    symlinkSync(path.join(disk, "set"), path.join(dir, "data/set"));
    symlinkSync(path.join(disk, "one.txt"), path.join(dir, "input.txt"));
    expect((await dag(dir, "run")).exitCode).toBe(0);
    expect(runsLog(dir).sort()).toEqual(["file", "folder"]);

    writeFileSync(path.join(disk, "set/x.txt"), "x2");
    rmSync(path.join(dir, "input.txt"));
    symlinkSync(path.join(disk, "two.txt"), path.join(dir, "input.txt"));
    const status = await statusOf(dir);
    expect(status.get("folder")?.reasons).toEqual(["input data/set changed"]);
    expect(status.get("file")?.reasons).toEqual(["input input.txt changed"]);
    clearRuns(dir);
    expect((await dag(dir, "run")).exitCode).toBe(0);
    expect(runsLog(dir).sort()).toEqual(["file", "folder"]);
    expect(read(dir, "artifacts/file/o.txt")).toBe("file(two)");
  });
});
