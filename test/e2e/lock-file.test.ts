// End-to-end: dag run writes the lock file beside the pipeline file, byte-identical on a no-op run; dag status warns when it and the workspace disagree.
import { existsSync, mkdirSync, statSync } from "node:fs";
import path from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { CHAIN_YAML, dag, makeProject, read, write } from "./project.js";

describe("dag.lock", () => {
  it("records each stage's key, inputs, code, outputs and headline metrics, and a no-op run leaves it byte-identical", async () => {
    const dir = makeProject({ "pipeline.yaml": CHAIN_YAML + "sweep:\n  b.text: [B, D]\n", "input.txt": "raw-1" });
    expect((await dag(dir, "run")).exitCode).toBe(0);
    const text = read(dir, "dag.lock");
    const lock = parse(text) as { version: number; stages: Record<string, Record<string, any>> };
    expect(lock.version).toBe(1);
    expect(Object.keys(lock.stages).sort()).toEqual(["a", "b[text=B]", "b[text=D]", "c[b.text=B]", "c[b.text=D]"]);
    const manifest = JSON.parse(read(dir, `.dag/entries/b/${lock.stages["b[text=B]"]!["key"]}/manifest.json`));
    expect(lock.stages["b[text=B]"]!["outputs"]).toEqual(manifest.outputs);
    expect(lock.stages["b[text=B]"]!["metrics"]).toEqual({ score: 0.5 });
    expect(lock.stages["b[text=B]"]!["inputs"]["x"]).toEqual({ ref: "a:out.txt", hash: lock.stages["a"]!["outputs"]["out.txt"]["hash"] });
    expect(Object.keys(lock.stages["c[b.text=B]"]!["code"])).toEqual(["stages/echo.ts"]);
    expect(text).not.toMatch(/20\d\d-\d\d-\d\dT/);
    const mtime = statSync(path.join(dir, "dag.lock")).mtimeMs;
    expect((await dag(dir, "run")).exitCode).toBe(0);
    expect(read(dir, "dag.lock")).toBe(text);
    expect(statSync(path.join(dir, "dag.lock")).mtimeMs).toBe(mtime);
    // A run of one stage keeps the other rows.
    expect((await dag(dir, "run", "a", "--force")).exitCode).toBe(0);
    expect(read(dir, "dag.lock")).toBe(text);
  });

  it("dag status warns, in words, when the lock names a key the workspace no longer makes; dag run updates it", async () => {
    const dir = makeProject({ "pipeline.yaml": CHAIN_YAML, "input.txt": "raw-1" });
    expect((await dag(dir, "run")).exitCode).toBe(0);
    const clean = await dag(dir, "status");
    expect(clean.stderr).toBe("");
    write(dir, "input.txt", "raw-2");
    expect((await dag(dir, "status")).stderr).toMatch(/warning: c: .*\(input input\.txt changed\)/);
    write(dir, "input.txt", "raw-1");
    write(dir, "pipeline.yaml", read(dir, "pipeline.yaml").replace("text: B,", "text: B2,"));
    const status = await dag(dir, "status");
    expect(status.exitCode).toBe(0);
    expect(status.stderr).toMatch(/warning: b: dag\.lock has [0-9a-f]{10}, the workspace makes [0-9a-f]{10} \(params\.text B → B2\); dag run updates the lock/);
    expect((await dag(dir, "run")).exitCode).toBe(0);
    expect((await dag(dir, "status")).stderr).toBe("");
    expect(read(dir, "dag.lock")).toMatch(/text: B2/);
  });

  it("another pipeline file has its own lock: experiments/x.yaml → experiments/x.lock; a dry run writes none", async () => {
    const dir = makeProject({ "input.txt": "raw-1" });
    mkdirSync(path.join(dir, "experiments"));
    write(dir, "experiments/x.yaml", CHAIN_YAML);
    expect((await dag(dir, "run", "-f", "experiments/x.yaml", "--dry-run")).exitCode).toBe(0);
    expect(existsSync(path.join(dir, "experiments/x.lock"))).toBe(false);
    expect((await dag(dir, "run", "-f", "experiments/x.yaml")).exitCode).toBe(0);
    expect(read(dir, "experiments/x.lock")).toMatch(/^# dag\.lock/);
    expect(existsSync(path.join(dir, "dag.lock"))).toBe(false);
  });
});
