// Times the pipeline's six stages as the real `dag` CLI runs them: a temp project (stages/ a symlink
// to the repo's, experiments/reference-parity.yaml reading the benchmark's .npz files), forced runs,
// per-stage medians from `dag status --json`, epoch seconds from curve.json, peak RSS per stage.
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, linkSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parse, stringify } from "yaml";
import { addRepoStages } from "./repo-project.js";
import type { BenchData } from "./synthetic-data.js";
import { median } from "./stats.js";

const REPO = path.resolve(import.meta.dirname, "..");
const CLI = path.join(REPO, "dist/runner/cli.js");
const RSS_HOOK = path.join(import.meta.dirname, "rss-hook.mjs");
/** The pipeline file the benchmark runs (the one whose settings match the Python reference). */
export const PARITY_PIPELINE = path.join(REPO, "experiments/reference-parity.yaml");

/** The stages, in pipeline order. */
export const STAGES = ["load", "pca", "baseline-eval", "ridge", "finetune", "export"] as const;
export type StageName = (typeof STAGES)[number];

/** One stage's figures over the runs. */
export interface StageFigures {
  /** Median wall seconds of the stage process, as `dag status` records it. */
  readonly seconds: number;
  readonly runs: number[];
  /** Largest peak RSS of the stage process over the runs (MB), null if not recorded. */
  readonly peakRssMB: number | null;
}

export interface StagesBench {
  readonly images: number;
  readonly captions: number;
  readonly epochs: number;
  readonly times: number;
  readonly stages: Record<StageName, StageFigures>;
  /** Median seconds of one training epoch (epochs ≥ 1 of curve.json, over all runs). */
  readonly epochSeconds: number | null;
  /** Median of finetune's reported GFLOP/s of its training steps. */
  readonly trainGflops: number | null;
  /** Floating-point operations of one epoch's training products (from train_gflops × train_seconds). */
  readonly epochFlops: number | null;
  readonly backend: string | null;
  /** What finetune's training ran on (meta kernels, e.g. "native avx512"), null if not reported. */
  readonly kernels: string | null;
  /** Threads finetune's native kernels ran on (meta product_threads; 0 = tfjs), null if not reported. */
  readonly productThreads: number | null;
  /** Metrics of the last run, per stage. */
  readonly metrics: Record<string, Record<string, number>>;
}

interface StatusRow {
  readonly name: string;
  readonly seconds: number | null;
  readonly metrics: Record<string, number>;
  readonly meta: Record<string, string | number | boolean>;
}

/** Hard-links (or copies) a file into place. */
function place(from: string, to: string): void {
  try {
    linkSync(from, to);
  } catch {
    copyFileSync(from, to);
  }
}

/** The parity pipeline reading `data/` files, with `epochs` epochs and no early stop (the reference runs every epoch). */
function benchPipeline(epochs: number): string {
  const doc = parse(readFileSync(PARITY_PIPELINE, "utf8")) as { stages: Record<string, { params?: Record<string, unknown> }> };
  const loadStage = doc.stages["load"] as { params?: Record<string, unknown>; deps?: Record<string, string> } | undefined;
  const load = loadStage?.params;
  const finetune = doc.stages["finetune"]?.params;
  if (loadStage === undefined || load === undefined || finetune === undefined) throw new Error(`${PARITY_PIPELINE} has no load or finetune params`);
  Object.assign(load, { source: "files" });
  loadStage.deps = { train: "data/train.npz", test: "data/test.clean.npz", test_captions: "data/captions.txt" };
  Object.assign(finetune, { epochs, patience: 0 });
  return "# Written by bench/pipeline-stages.ts from experiments/reference-parity.yaml.\n" + stringify(doc);
}

/** A temp project over the data; returns its folder. */
function makeProject(data: BenchData, epochs: number): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "dag-bench-stages-"));
  addRepoStages(dir);
  writeFileSync(path.join(dir, "package.json"), JSON.stringify({ type: "module", private: true }) + "\n");
  mkdirSync(path.join(dir, "data"));
  place(data.files.train, path.join(dir, "data/train.npz"));
  place(data.files.test, path.join(dir, "data/test.clean.npz"));
  place(data.files.captions, path.join(dir, "data/captions.txt"));
  writeFileSync(path.join(dir, "pipeline.yaml"), benchPipeline(epochs));
  return dir;
}

function readRss(file: string): Map<StageName, number> {
  const out = new Map<StageName, number>();
  if (!existsSync(file)) return out;
  for (const line of readFileSync(file, "utf8").split("\n")) {
    if (line === "") continue;
    const { module, peakRssMB } = JSON.parse(line) as { module: string; peakRssMB: number };
    const stage = STAGES.find((s) => path.basename(module) === `${s}.ts`);
    if (stage !== undefined) out.set(stage, Math.max(out.get(stage) ?? 0, peakRssMB));
  }
  return out;
}

/**
 * Runs `dag run --force` `times` times in a temp project over `data` and collects the figures.
 * `log` gets one line per run.
 */
export function benchStages(data: BenchData, options: { epochs: number; times: number; log: (line: string) => void }): StagesBench {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
  const dir = makeProject(data, options.epochs);
  const rssFile = path.join(dir, "rss.jsonl");
  const nodeOptions = [process.env["NODE_OPTIONS"], `--import ${RSS_HOOK}`].filter(Boolean).join(" ");
  const env = { ...process.env, CI: "1", NODE_OPTIONS: nodeOptions, DAG_BENCH_RSS_FILE: rssFile };
  const seconds = new Map<StageName, number[]>(STAGES.map((s) => [s, []]));
  const epochSeconds: number[] = [];
  const gflops: number[] = [];
  const epochFlops: number[] = [];
  let backend: string | null = null;
  let productThreads: number | null = null;
  let kernels: string | null = null;
  let metrics: Record<string, Record<string, number>> = {};
  try {
    for (let i = 0; i < options.times; i++) {
      const started = performance.now();
      try {
        execFileSync(process.execPath, [CLI, "run", "--force"], { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 << 20 });
      } catch (error) {
        const e = error as { stdout?: Buffer; stderr?: Buffer; status?: number };
        throw new Error(`dag run --force failed (exit ${e.status}) in ${dir}:\n${e.stderr?.toString() ?? ""}${e.stdout?.toString().slice(-4000) ?? ""}`);
      }
      const status = JSON.parse(execFileSync(process.execPath, [CLI, "status", "--json"], { cwd: dir, env: { ...process.env, CI: "1" }, encoding: "utf8" })) as { stages: StatusRow[] };
      metrics = {};
      for (const row of status.stages) {
        const stage = STAGES.find((s) => s === row.name);
        if (stage === undefined || row.seconds === null) continue;
        seconds.get(stage)?.push(row.seconds);
        metrics[stage] = row.metrics;
        if (stage === "finetune") {
          if (typeof row.meta["backend"] === "string") backend = row.meta["backend"];
          if (typeof row.meta["product_threads"] === "number") productThreads = row.meta["product_threads"];
          if (typeof row.meta["kernels"] === "string") kernels = row.meta["kernels"];
          const g = row.meta["train_gflops"], s = row.meta["train_seconds"];
          if (typeof g === "number") gflops.push(g);
          if (typeof g === "number" && typeof s === "number" && options.epochs > 0) epochFlops.push((g * 1e9 * s) / options.epochs);
        }
      }
      const curve = JSON.parse(readFileSync(path.join(dir, "artifacts/finetune/curve.json"), "utf8")) as { epoch: number; seconds: number }[];
      for (const record of curve) if (record.epoch > 0) epochSeconds.push(record.seconds);
      options.log(`  run ${i + 1}/${options.times}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
    }
    const rss = readRss(rssFile);
    const stages = Object.fromEntries(
      STAGES.map((s) => {
        const runs = seconds.get(s) ?? [];
        return [s, { seconds: runs.length > 0 ? median(runs) : NaN, runs, peakRssMB: rss.get(s) ?? null }];
      }),
    ) as Record<StageName, StageFigures>;
    return {
      images: data.images,
      captions: data.captions,
      epochs: options.epochs,
      times: options.times,
      stages,
      epochSeconds: epochSeconds.length > 0 ? median(epochSeconds) : null,
      trainGflops: gflops.length > 0 ? median(gflops) : null,
      epochFlops: epochFlops.length > 0 ? median(epochFlops) : null,
      backend,
      kernels,
      productThreads,
      metrics,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
