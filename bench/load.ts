// Benchmarks loading a full-size train.npz (125,000 captions, 25,000 images, one-hot bool labels):
// the pipeline's reader against NumPy's np.load + argmax on the same file, wall time and peak RSS.
//
// Run alone: `node --import tsx bench/load.ts [--images 25000] [--times 3]`. The synthetic file is
// written once into the system temp folder and reused.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { readTrainNpz } from "../stages/lib/data/challenge-data.js";
import { generateSynthetic } from "../stages/lib/data/synthetic.js";
import { writeSyntheticFiles } from "../stages/lib/data/synthetic-files.js";
import { fmt, median, table } from "./stats.js";

const PYTHON = "/usr/bin/python3";
const THIS = fileURLToPath(import.meta.url);

/** One side's figures: median wall seconds over the runs and the largest peak RSS. */
export interface LoadTiming {
  readonly seconds: number;
  readonly peakRssMB: number;
}

export interface LoadBench {
  readonly file: string;
  readonly fileMB: number;
  readonly captions: number;
  readonly images: number;
  /** Seconds to generate and write the file, when this run had to. */
  readonly writeSeconds: number | null;
  readonly pipeline: LoadTiming;
  /** NumPy's figures, or why they are missing. */
  readonly numpy: LoadTiming | { readonly skipped: string };
}

const NUMPY_LOAD = `
import json, resource, sys, time
import numpy as np
t = time.perf_counter()
d = np.load(sys.argv[1], allow_pickle=True)
X = d["captions/embeddings"]; Y = d["images/embeddings"]; lab = d["captions/label"]
lab = np.argmax(lab, 1) if lab.ndim == 2 else lab
print(json.dumps({"seconds": time.perf_counter() - t, "peakRssMB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "rows": int(X.shape[0])}))
`;

/** Writes the synthetic train.npz of `images` images once; returns its path and the seconds spent (null if reused). */
async function ensureFile(images: number): Promise<{ file: string; writeSeconds: number | null }> {
  const dir = path.join(os.tmpdir(), `dag-bench-load-${images}`);
  const file = path.join(dir, "train.npz");
  const done = path.join(dir, "complete");
  if (existsSync(done)) return { file, writeSeconds: null };
  mkdirSync(dir, { recursive: true });
  const started = performance.now();
  const data = generateSynthetic({ images, captionsPerImage: 5, testCaptions: 1500, seed: 42 });
  await writeSyntheticFiles(dir, data);
  writeFileSync(done, "");
  return { file, writeSeconds: (performance.now() - started) / 1000 };
}

function measureChild(args: readonly string[], command: string): { seconds: number; peakRssMB: number } {
  const out = execFileSync(command, args as string[], { encoding: "utf8", maxBuffer: 1 << 20 });
  const lines = out.trim().split("\n");
  return JSON.parse(lines[lines.length - 1] as string) as { seconds: number; peakRssMB: number };
}

function summarize(runs: readonly LoadTiming[]): LoadTiming {
  return { seconds: median(runs.map((r) => r.seconds)), peakRssMB: Math.max(...runs.map((r) => r.peakRssMB)) };
}

/** Times the pipeline's reader and NumPy on a full-size (or `images`-size) train.npz, each in a fresh process. */
export async function benchLoad(options: { images: number; times: number }): Promise<LoadBench> {
  const { file, writeSeconds } = await ensureFile(options.images);
  const pipelineRuns: LoadTiming[] = [];
  for (let i = 0; i < options.times; i++) pipelineRuns.push(measureChild(["--import", "tsx", THIS, "--measure", file], process.execPath));
  let numpy: LoadBench["numpy"];
  const probe = existsSync(PYTHON) ? spawnSync(PYTHON, ["-c", "import numpy"]) : undefined;
  if (probe === undefined || probe.status !== 0) numpy = { skipped: `${PYTHON} with numpy not available` };
  else {
    const runs: LoadTiming[] = [];
    for (let i = 0; i < options.times; i++) runs.push(measureChild(["-c", NUMPY_LOAD, file], PYTHON));
    numpy = summarize(runs);
  }
  return {
    file,
    fileMB: statSync(file).size / 1e6,
    captions: options.images * 5,
    images: options.images,
    writeSeconds,
    pipeline: summarize(pipelineRuns),
    numpy,
  };
}

/** The figures as a text table. */
export function loadTable(b: LoadBench): string {
  const rows = [["train.npz load", "seconds", "peak RSS MB"], ["dag (stream + one-hot reduce)", fmt(b.pipeline.seconds, 2), b.pipeline.peakRssMB.toFixed(0)]];
  if ("skipped" in b.numpy) rows.push(["numpy np.load + argmax", "skipped", b.numpy.skipped]);
  else rows.push(["numpy np.load + argmax", fmt(b.numpy.seconds, 2), b.numpy.peakRssMB.toFixed(0)]);
  return `${b.captions} captions × ${b.images} images, ${b.fileMB.toFixed(0)} MB on disk (${b.file})\n${table(rows)}`;
}

/** Child mode: load the file once and print seconds and peak RSS as JSON. */
async function measure(file: string): Promise<void> {
  const started = performance.now();
  const r = await readTrainNpz(file);
  const seconds = (performance.now() - started) / 1000;
  if (!r.ok) throw new Error(r.error.message);
  console.log(JSON.stringify({ seconds, peakRssMB: process.resourceUsage().maxRSS / 1024, rows: r.value.captions.rows }));
}

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === THIS) {
  const i = process.argv.indexOf("--measure");
  if (i !== -1) await measure(process.argv[i + 1] as string);
  else {
    const result = await benchLoad({ images: flag("images", 25000), times: flag("times", 3) });
    console.log(loadTable(result));
  }
}
