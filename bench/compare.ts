// `npm run bench:compare -- DIR`: the stages benchmark of another checkout (DIR, built) and of this one, interleaved round by
// round on the same data, so both see the same machine load; prints per-stage medians of wall and CPU seconds and their ratios.
//
// Each round runs `npm run bench` once in each checkout (BENCH_TIMES=1, stages only), the older
// first, with bench/cpu-hook.mjs preloaded into every process to record its CPU seconds. CPU time
// (user + system, all threads) moves less than wall time on a shared machine. Environment:
// BENCH_IMAGES, BENCH_EPOCHS as for `npm run bench`; BENCH_ROUNDS (default 5).
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { STAGES, type StageName } from "./pipeline-stages.js";
import { median, table } from "./stats.js";

const HERE = path.resolve(import.meta.dirname, "..");
const CPU_HOOK = path.join(import.meta.dirname, "cpu-hook.mjs");
const beforeDir = process.argv[2] !== undefined ? path.resolve(process.argv[2]) : undefined;
if (beforeDir === undefined || !existsSync(path.join(beforeDir, "dist/runner/cli.js"))) {
  console.error("usage: npm run bench:compare -- DIR   (DIR: another checkout of dag, installed and built)");
  process.exit(2);
}
const rounds = Number(process.env["BENCH_ROUNDS"] ?? 5);
if (!Number.isInteger(rounds) || rounds < 1) {
  console.error(`BENCH_ROUNDS must be a whole number ≥ 1, got "${process.env["BENCH_ROUNDS"]}"`);
  process.exit(2);
}

interface Figures {
  readonly wall: Map<StageName, number[]>;
  readonly cpu: Map<StageName, number[]>;
  readonly epoch: number[];
}
const empty = (): Figures => ({ wall: new Map(STAGES.map((s) => [s, []])), cpu: new Map(STAGES.map((s) => [s, []])), epoch: [] });
const checkouts = [
  { name: "before", dir: beforeDir, figures: empty() },
  { name: "after", dir: HERE, figures: empty() },
];

/** One stages-only benchmark run in `dir`; its wall seconds per stage come from its results.json, CPU seconds from the hook. */
function runOnce(dir: string, figures: Figures): void {
  const scratch = mkdtempSync(path.join(os.tmpdir(), "dag-bench-compare-"));
  const cpuFile = path.join(scratch, "cpu.jsonl");
  try {
    const env = {
      ...process.env,
      BENCH_TIMES: "1",
      BENCH_SKIP: "python,load,runner",
      DAG_BENCH_CPU_FILE: cpuFile,
      NODE_OPTIONS: [process.env["NODE_OPTIONS"], `--import ${CPU_HOOK}`].filter(Boolean).join(" "),
    };
    execFileSync("npm", ["run", "--silent", "bench"], { cwd: dir, env, stdio: ["ignore", "ignore", "inherit"] });
    const results = JSON.parse(readFileSync(path.join(dir, "bench/out/results.json"), "utf8")) as {
      stages?: { stages: Record<string, { seconds: number }>; epochSeconds: number | null };
    };
    if (results.stages === undefined) throw new Error(`${dir}: bench/out/results.json has no stages section`);
    for (const stage of STAGES) {
      const s = results.stages.stages[stage]?.seconds;
      if (s !== undefined && Number.isFinite(s)) figures.wall.get(stage)?.push(s);
    }
    if (results.stages.epochSeconds !== null) figures.epoch.push(results.stages.epochSeconds);
    if (existsSync(cpuFile)) {
      for (const line of readFileSync(cpuFile, "utf8").split("\n")) {
        if (line === "") continue;
        const { module, cpuSeconds } = JSON.parse(line) as { module: string; cpuSeconds: number };
        const stage = STAGES.find((s) => path.basename(module) === `${s}.ts`);
        if (stage !== undefined) figures.cpu.get(stage)?.push(cpuSeconds);
      }
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

const started = performance.now();
for (let r = 0; r < rounds; r++) {
  for (const c of checkouts) runOnce(c.dir, c.figures);
  console.log(`round ${r + 1}/${rounds} done (${((performance.now() - started) / 60000).toFixed(1)} min)`);
}

const [before, after] = checkouts as [(typeof checkouts)[0], (typeof checkouts)[0]];
const med = (values: readonly number[] | undefined): number => (values !== undefined && values.length > 0 ? median(values) : NaN);
const num = (v: number): string => (Number.isFinite(v) ? v.toFixed(2) : "–");
const ratio = (a: number, b: number): string => (Number.isFinite(a) && Number.isFinite(b) && a > 0 ? `${(b / a).toFixed(2)}×` : "–");
const rows: string[][] = [["stage", "before wall", "after wall", "after/before", "before CPU", "after CPU", "after/before"]];
const summary: Record<string, unknown> = {};
for (const stage of STAGES) {
  const bw = med(before.figures.wall.get(stage)), aw = med(after.figures.wall.get(stage));
  const bc = med(before.figures.cpu.get(stage)), ac = med(after.figures.cpu.get(stage));
  rows.push([stage, num(bw), num(aw), ratio(bw, aw), num(bc), num(ac), ratio(bc, ac)]);
  summary[stage] = { beforeWall: bw, afterWall: aw, beforeCpu: bc, afterCpu: ac };
}
const be = med(before.figures.epoch), ae = med(after.figures.epoch);
rows.push(["finetune epoch", num(be), num(ae), ratio(be, ae), "", "", ""]);
console.log(`\n${before.dir} (before) vs ${after.dir} (after): medians of ${rounds} interleaved rounds, seconds per stage process`);
console.log(table(rows));
const out = path.join(HERE, "bench/out/compare.json");
writeFileSync(out, JSON.stringify({ before: before.dir, after: after.dir, rounds, stages: summary, epoch: { before: be, after: ae } }, null, 2) + "\n");
console.log(`written: ${path.relative(HERE, out)}`);
