// A stage dies with its runner: SIGKILL the parent mid-computation and the stage ends at once, writing nothing after.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";

const STAGE = path.resolve(import.meta.dirname, "../../fixtures/stages/busy-stage.ts");

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A stand-in runner: forks the stage with an IPC channel, prints its pid, then idles. */
const PARENT = `
const { fork } = require("node:child_process");
const child = fork(process.argv[1], [], { execArgv: ["--import", "tsx"], env: { ...process.env, DAG_JOB: process.argv[2] }, stdio: "ignore" });
child.on("message", () => {});
console.log(child.pid);
setInterval(() => {}, 1000);
`;

describe("a stage whose runner dies", () => {
  it("exits at once, while busy in a long computation, and never writes its output", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "dag-watch-"));
    const out = path.join(dir, "done.txt");
    const job = { stage: "busy", params: { busy_ms: 6000 }, deps: {}, outDir: dir, outs: { "done.txt": out }, seed: 0 };
    writeFileSync(path.join(dir, "job.json"), JSON.stringify(job));
    const parent = spawn(process.execPath, ["-e", PARENT, STAGE, path.join(dir, "job.json")], { cwd: path.resolve(import.meta.dirname, "../../.."), stdio: ["ignore", "pipe", "inherit"] });
    const childPid = await new Promise<number>((resolve) => parent.stdout.once("data", (d: Buffer) => resolve(Number(d.toString().trim()))));
    // Let the stage start its computation (tsx start-up included), then kill the runner outright.
    await new Promise((r) => setTimeout(r, 2500));
    expect(alive(childPid)).toBe(true);
    parent.kill("SIGKILL");
    const killed = Date.now();
    while (alive(childPid) && Date.now() - killed < 3000) await new Promise((r) => setTimeout(r, 20));
    expect(alive(childPid), "the stage outlived its runner").toBe(false);
    // Well past the end of its computation: nothing was written.
    await new Promise((r) => setTimeout(r, 5000));
    expect(existsSync(out)).toBe(false);
  }, 30_000);

  it("run by hand (no IPC channel) it is not watched and finishes", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "dag-watch-"));
    const out = path.join(dir, "done.txt");
    writeFileSync(path.join(dir, "job.json"), JSON.stringify({ stage: "busy", params: { busy_ms: 10 }, deps: {}, outDir: dir, outs: { "done.txt": out }, seed: 0 }));
    execFileSync(process.execPath, ["--import", "tsx", STAGE], { env: { ...process.env, DAG_JOB: path.join(dir, "job.json") }, stdio: "ignore" });
    expect(existsSync(out)).toBe(true);
  });
});
