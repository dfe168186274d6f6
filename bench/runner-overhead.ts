// Benchmarks the runner itself: a fully cached `dag run` and `dag status` over ≥ 500 MB of inputs,
// and the runner's overhead per stage (a forced run of no-op stages against bare process starts).
import { mkdirSync, mkdtempSync, openSync, writeSync, closeSync, writeFileSync, rmSync } from "node:fs";
import { randomFillSync } from "node:crypto";
import os from "node:os";
import path from "node:path";
import { fmt, median, table, timeCommand } from "./stats.js";

const REPO = path.resolve(import.meta.dirname, "..");
const CLI = path.join(REPO, "dist/runner/cli.js");
const STAGES = 6;

const NOOP = `import { readFileSync, writeFileSync } from "node:fs";
const job = JSON.parse(readFileSync(process.env.DAG_JOB, "utf8"));
for (const file of Object.values(job.outs)) writeFileSync(file, job.stage);
`;

function writeBigFile(file: string, bytes: number): void {
  const chunk = Buffer.alloc(8 * 1024 * 1024);
  const fd = openSync(file, "w");
  for (let written = 0; written < bytes; written += chunk.length) {
    randomFillSync(chunk);
    writeSync(fd, chunk, 0, Math.min(chunk.length, bytes - written));
  }
  closeSync(fd);
}

export interface RunnerBench {
  readonly inputMB: number;
  readonly firstRunSeconds: number;
  readonly cachedRunSeconds: number;
  readonly statusSeconds: number;
  readonly forcedStageSeconds: number;
  readonly bareStartSeconds: number;
  readonly overheadPerStageSeconds: number;
}

export function benchRunner(options: { inputMB: number; times: number }): RunnerBench {
  const dir = mkdtempSync(path.join(os.tmpdir(), "dag-bench-runner-"));
  try {
    mkdirSync(path.join(dir, "data"));
    mkdirSync(path.join(dir, "stages"));
    writeFileSync(path.join(dir, "package.json"), JSON.stringify({ type: "module", private: true }));
    writeFileSync(path.join(dir, "stages/noop.js"), NOOP);
    const parts = 3;
    for (let i = 0; i < parts; i++) writeBigFile(path.join(dir, `data/part-${i}.bin`), Math.ceil((options.inputMB * 1024 * 1024) / parts));
    const stages = Array.from({ length: STAGES }, (_, i) => {
      const deps = i === 0 ? "    deps: { data: data/ }\n" : `    deps: { x: s${i - 1}:o.txt, data: data/ }\n`;
      return `  s${i}:\n    module: stages/noop.js\n${deps}    outs: [o.txt]\n`;
    });
    writeFileSync(path.join(dir, "pipeline.yaml"), `stages:\n${stages.join("")}`);

    const [first] = timeCommand(process.execPath, [CLI, "run"], { cwd: dir, times: 1 });
    const cached = timeCommand(process.execPath, [CLI, "run"], { cwd: dir, times: options.times });
    const status = timeCommand(process.execPath, [CLI, "status"], { cwd: dir, times: options.times });
    const forced = timeCommand(process.execPath, [CLI, "run", "--force"], { cwd: dir, times: options.times });
    const jobFile = path.join(dir, "job.json");
    writeFileSync(jobFile, JSON.stringify({ stage: "bare", outs: { "o.txt": path.join(dir, "bare.txt") } }));
    const bare = timeCommand(process.execPath, ["--import", import.meta.resolve("tsx"), path.join(dir, "stages/noop.js")], {
      cwd: dir,
      times: options.times,
      env: { DAG_JOB: jobFile },
    });
    const forcedPerStage = median(forced) / STAGES;
    return {
      inputMB: options.inputMB,
      firstRunSeconds: first ?? NaN,
      cachedRunSeconds: median(cached),
      statusSeconds: median(status),
      forcedStageSeconds: forcedPerStage,
      bareStartSeconds: median(bare),
      overheadPerStageSeconds: forcedPerStage - median(bare),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function runnerTable(r: RunnerBench): string {
  return table([
    ["runner (inputs " + r.inputMB + " MB, " + STAGES + " stages)", "seconds"],
    ["first run (hash inputs + run all)", fmt(r.firstRunSeconds)],
    ["fully cached dag run (median)", fmt(r.cachedRunSeconds)],
    ["dag status (median)", fmt(r.statusSeconds)],
    ["forced run, per stage (median)", fmt(r.forcedStageSeconds)],
    ["bare `node --import tsx` no-op stage", fmt(r.bareStartSeconds)],
    ["runner overhead per stage", fmt(r.overheadPerStageSeconds)],
  ]);
}
