// End-to-end: artifacts/ links belong to one pipeline file, a forced re-run never leaves them dangling, one key runs once.
import { existsSync, readdirSync, readlinkSync, watch } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { clearRuns, dag, makeProject, read, runsLog, startDag, write } from "./project.js";
import { checkStore } from "./store-check.js";

interface StatusJson {
  stages: { name: string; state: string; reasons: string[]; outputs: Record<string, string>; link: { path: string; key: string | null; state: string } }[];
}

describe("each pipeline file has its own links", () => {
  const MAIN = "stages:\n  a:\n    module: stages/echo.ts\n    params: { text: MAIN }\n    outs: [o.txt]\n";
  const EXP = MAIN.replace("text: MAIN", "text: EXP");

  it("dag run -f other.yaml leaves artifacts/ showing pipeline.yaml's results; the other file's links are its own", async () => {
    const dir = makeProject({ "pipeline.yaml": MAIN, "experiments/exp.yaml": EXP });
    expect((await dag(dir, "run")).exitCode).toBe(0);
    expect((await dag(dir, "run", "-f", "experiments/exp.yaml")).exitCode).toBe(0);
    expect(read(dir, "artifacts/a/o.txt")).toBe("MAIN()");
    expect(read(dir, "artifacts/@experiments/exp.yaml/a/o.txt")).toBe("EXP()");

    const main = JSON.parse((await dag(dir, "status", "--json")).stdout) as StatusJson;
    expect(main.stages[0]?.state).toBe("cached");
    expect(main.stages[0]?.link.path).toBe("artifacts/a");
    expect(main.stages[0]?.link.state).toBe("current");
    expect(main.stages[0]?.outputs["o.txt"]).toBe(path.join(dir, "artifacts/a/o.txt"));
    const exp = JSON.parse((await dag(dir, "status", "--json", "-f", "experiments/exp.yaml")).stdout) as StatusJson;
    expect(exp.stages[0]?.link.path).toBe("artifacts/@experiments/exp.yaml/a");
    expect(exp.stages[0]?.link.state).toBe("current");
    expect(checkStore(dir).problems).toEqual([]);
  });

  it("status says where a link points when it is not today's result", async () => {
    const dir = makeProject({ "pipeline.yaml": MAIN });
    expect((await dag(dir, "run")).exitCode).toBe(0);
    const key = readdirSync(path.join(dir, ".dag/entries/a"))[0] as string;
    write(dir, "pipeline.yaml", MAIN.replace("text: MAIN", "text: EDITED"));
    const status = JSON.parse((await dag(dir, "status", "--json")).stdout) as StatusJson;
    expect(status.stages[0]?.state).toBe("stale");
    expect(status.stages[0]?.link).toEqual({ path: "artifacts/a", key, state: "other" });
    const text = (await dag(dir, "status")).stdout;
    expect(text).toContain(`artifacts/a → ${key.slice(0, 10)}`);
  });
});

describe("a forced re-run replaces an entry without a gap", () => {
  /** Runs `dag run --force` and SIGKILLs the runner `delayMs` after the first change inside .dag/entries/a. */
  async function killDuringReplacement(dir: string, delayMs: number): Promise<void> {
    const running = startDag(dir, "run", "--force");
    const watcher = watch(path.join(dir, ".dag/entries/a"));
    await new Promise<void>((resolve) => {
      watcher.once("change", () => {
        setTimeout(() => {
          running.kill("SIGKILL");
          resolve();
        }, delayMs);
      });
      void running.then(() => resolve());
    });
    watcher.close();
    await running;
  }

  it("killed at any instant of the replacement, the old entry or the new one is complete and linked, and status tells the truth", async () => {
    const dir = makeProject({
      "pipeline.yaml": "stages:\n  a:\n    module: stages/fault.ts\n    params: { size: 2000000 }\n    outs: [o1.bin, o2.bin, o3.bin, o4.bin]\n",
    });
    expect((await dag(dir, "run")).exitCode).toBe(0);
    for (const delay of [0, 0, 1, 2, 5]) {
      await killDuringReplacement(dir, delay);
      const check = checkStore(dir);
      expect(check.problems).toEqual([]);
      expect(check.links.map((l) => l.link)).toEqual(["a"]);
      const status = JSON.parse((await dag(dir, "status", "--json")).stdout) as StatusJson;
      expect(status.stages[0]?.state).toBe("cached");
      expect(status.stages[0]?.reasons).toEqual([]);
    }
    clearRuns(dir);
    const next = await dag(dir, "run");
    expect(next.exitCode).toBe(0);
    expect(runsLog(dir)).toEqual([]);
    expect(readdirSync(path.join(dir, ".dag/entries/a"))).toHaveLength(1);
    expect(existsSync(path.join(dir, ".dag/tmp")) ? readdirSync(path.join(dir, ".dag/tmp")) : []).toEqual([]);
  });
});

describe("two variants that resolve to one key", () => {
  const YAML = `stages:
  a:
    module: stages/fault.ts
    params: { content: same, tag: 1 }
    outs: [o.bin]
  b:
    module: stages/fault.ts
    deps: { x: a:o.bin }
    params: { sleep_ms: 300 }
    outs: [o.bin]
sweep:
  a.tag: [1, 2]
`;

  it("run once, side by side with -j and under --force, both links pointing at the one entry", async () => {
    const dir = makeProject({ "pipeline.yaml": YAML });
    const first = await dag(dir, "run", "-j", "2");
    expect(first.exitCode).toBe(0);
    expect(runsLog(dir).filter((s) => s === "b")).toHaveLength(1);
    expect(readlinkSync(path.join(dir, "artifacts/b"))).toBe(readlinkSync(path.join(dir, "artifacts/b@a.tag=2")));

    clearRuns(dir);
    expect((await dag(dir, "run", "--force", "-j", "2")).exitCode).toBe(0);
    expect(runsLog(dir).filter((s) => s === "b")).toHaveLength(1);
    clearRuns(dir);
    expect((await dag(dir, "run", "--force")).exitCode).toBe(0);
    expect(runsLog(dir).filter((s) => s === "b")).toHaveLength(1);
    expect(checkStore(dir).problems).toEqual([]);
  });
});
