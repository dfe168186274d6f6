// End-to-end: status, runs, diff and report never change the store — they report a damaged entry in words and leave repairs to dag run.
import { chmodSync, readdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { CHAIN_YAML, clearRuns, dag, makeProject, runsLog, write } from "./project.js";
import { checkStore, treeSnapshot } from "./store-check.js";

function snapshot(dir: string): string[] {
  return [...treeSnapshot(path.join(dir, ".dag")).map((l) => `.dag/${l}`), ...treeSnapshot(path.join(dir, "artifacts")).map((l) => `artifacts/${l}`)];
}

describe("read-only commands", () => {
  it("report a damaged entry in words and move, delete or rewrite nothing; dag run repairs it", async () => {
    const dir = makeProject({ "pipeline.yaml": CHAIN_YAML, "input.txt": "raw-1" });
    expect((await dag(dir, "run")).exitCode).toBe(0);
    const key = readdirSync(path.join(dir, ".dag/entries/b"))[0] as string;
    const file = path.join(dir, ".dag/entries/b", key, "outs/out.txt");
    chmodSync(file, 0o644);
    writeFileSync(file, "tampered");
    // An input edited since the run: status hashes it, and must not save what it learnt.
    write(dir, "input.txt", "raw-2");
    const before = snapshot(dir);

    const status = await dag(dir, "status");
    expect(status.exitCode).toBe(0);
    expect(status.stdout).toContain(`b: entry ${key.slice(0, 10)}… is damaged (out.txt does not match its manifest); dag run will recompute it`);
    expect(status.stdout).toMatch(/b\s+stale/);
    expect((await dag(dir, "status", "--json")).exitCode).toBe(0);
    expect((await dag(dir, "runs")).exitCode).toBe(0);
    const runs = await dag(dir, "runs", "--json");
    expect(runs.stderr).toContain("is damaged");
    expect((await dag(dir, "diff", "a", "c")).exitCode).toBe(0);
    expect((await dag(dir, "report", "-o", path.join(os.tmpdir(), `dag-report-${process.pid}.html`))).exitCode).toBe(0);
    expect((await dag(dir, "gc", "--dry-run")).exitCode).toBe(0);
    expect(snapshot(dir)).toEqual(before);

    clearRuns(dir);
    const run = await dag(dir, "run");
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toMatch(/warning: stage b: cache entry .* is corrupt/);
    expect(runsLog(dir)).toEqual(["b", "c"]);
    expect(checkStore(dir).problems).toEqual([]);
  });

  it("read while a run holds the lock: status answers at once and takes no lock", async () => {
    const dir = makeProject({ "pipeline.yaml": CHAIN_YAML, "input.txt": "raw-1" });
    expect((await dag(dir, "run")).exitCode).toBe(0);
    writeFileSync(path.join(dir, ".dag/lock"), JSON.stringify({ pid: process.pid, startedAt: new Date().toISOString(), command: "test holder", token: "t" }) + "\n");
    const before = snapshot(dir);
    const status = await dag(dir, "status");
    expect(status.exitCode).toBe(0);
    expect(status.stdout).toMatch(/c\s+cached/);
    expect(snapshot(dir)).toEqual(before);
  });
});
