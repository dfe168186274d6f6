// End-to-end: a stage dies with its runner, a lock is held by a process and not a pid, Ctrl-C while waiting is immediate.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { dag, makeProject, read, runsLog, startDag } from "./project.js";
import { checkStore } from "./store-check.js";

/** True while `pid` is a running process (a zombie waiting for its parent to reap it counts as gone). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return true;
  }
}

async function until(condition: () => boolean, what: string, tries = 400, ms = 50): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (condition()) return;
    await new Promise((r) => setTimeout(r, ms));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function stagePid(dir: string): number | undefined {
  const line = existsSync(path.join(dir, "runs.log")) ? read(dir, "runs.log").trim().split("\n")[0] : undefined;
  return line ? Number(line.split(" ")[1]) : undefined;
}

describe("a stage dies with its runner", () => {
  for (const wait of ["sleep_ms", "busy_ms"] as const) {
    it(`SIGKILL of the runner stops the stage (${wait === "busy_ms" ? "main thread busy" : "idle"}) before it writes anything more`, async () => {
      const dir = makeProject({ "pipeline.yaml": `stages:\n  slow:\n    module: stages/fault.ts\n    params: { ${wait}: 4000 }\n    outs: [o.bin]\n` });
      const running = startDag(dir, "run");
      await until(() => stagePid(dir) !== undefined, "the stage to start");
      const pid = stagePid(dir) as number;
      running.kill("SIGKILL");
      await running;
      await until(() => !alive(pid), `stage process ${pid} to end`, 200);
      // Past the moment the stage would have gone on: it never did.
      await new Promise((r) => setTimeout(r, 4500));
      expect(existsSync(path.join(dir, "after-wait.log"))).toBe(false);
      const again = await dag(dir, "run", "--set", `slow.${wait}=1`);
      expect(again.exitCode).toBe(0);
      expect(checkStore(dir).problems).toEqual([]);
    });
  }
});

describe("the run lock", () => {
  const YAML = "stages:\n  a:\n    module: stages/echo.ts\n    outs: [o.txt]\n";

  it("a lock left by a killed run whose pid now names a live, unrelated process is stale", async () => {
    const dir = makeProject({ "pipeline.yaml": "stages:\n  slow:\n    module: stages/fault.ts\n    params: { sleep_ms: 60000 }\n    outs: [o.bin]\n" });
    const killed = startDag(dir, "run");
    await until(() => stagePid(dir) !== undefined, "the stage to start");
    killed.kill("SIGKILL");
    await killed;
    const left = JSON.parse(read(dir, ".dag/lock")) as { pid: number; startTicks?: number };
    expect(left.startTicks).toBeGreaterThan(0);
    for (const reused of [1, (spawn("sleep", ["60"], { stdio: "ignore" }).pid as number)]) {
      writeFileSync(path.join(dir, ".dag/lock"), JSON.stringify({ ...left, pid: reused }) + "\n");
      const r = await dag(dir, "run", "--no-wait", "--set", "slow.sleep_ms=1");
      if (reused !== 1) process.kill(reused);
      expect(r.stderr).toBe("");
      expect(r.exitCode).toBe(0);
      expect(existsSync(path.join(dir, ".dag/lock"))).toBe(false);
    }
  });

  it("a lock of an older dag (no start time) naming pid 1 or a process that is not Node is stale", async () => {
    for (const holder of ["pid 1", "another process"]) {
      const dir = makeProject({ "pipeline.yaml": YAML });
      const sleeper = holder === "pid 1" ? undefined : spawn("sleep", ["60"], { stdio: "ignore" });
      const pid = sleeper?.pid ?? 1;
      const lock = { pid, startedAt: new Date(Date.now() - 60_000).toISOString(), command: "node dist/runner/cli.js run", token: "from-a-crashed-run" };
      mkdirSync(path.join(dir, ".dag"), { recursive: true });
      writeFileSync(path.join(dir, ".dag/lock"), JSON.stringify(lock) + "\n");
      const r = await dag(dir, "run", "--no-wait");
      sleeper?.kill();
      expect(r.stderr).toBe("");
      expect(r.exitCode).toBe(0);
      expect(runsLog(dir)).toEqual(["a"]);
      expect(existsSync(path.join(dir, ".dag/lock"))).toBe(false);
    }
  });

  it("Ctrl-C while waiting for the lock exits 130 at once, and gc as well", async () => {
    const dir = makeProject({ "pipeline.yaml": "stages:\n  slow:\n    module: stages/fault.ts\n    params: { sleep_ms: 60000 }\n    outs: [o.bin]\n" });
    const holder = startDag(dir, "run");
    await until(() => stagePid(dir) !== undefined, "the first run's stage to start");
    for (const command of [["run"], ["gc"]]) {
      const waiting = startDag(dir, ...command);
      let said = "";
      waiting.stdout?.on("data", (chunk: Buffer) => {
        said += chunk.toString();
      });
      await until(() => said.includes("holds this project"), `${command[0]} to wait for the lock`);
      waiting.kill("SIGINT");
      const result = await waiting;
      expect(result.exitCode).toBe(130);
      expect(alive(holder.pid as number)).toBe(true);
    }
    holder.kill("SIGINT");
    expect((await holder).exitCode).toBe(130);
  });
});
