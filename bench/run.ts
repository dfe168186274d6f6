// `npm run bench`: the pipeline's stages against the Python reference on one synthetic dataset, the
// .npz reader against NumPy, and the runner's own overhead; prints the figures and writes them to
// bench/out/results.json.
//
// Environment: BENCH_IMAGES (default 5000, a fifth of the challenge's 25,000 images; captions are
// 5 per image; at least 1200, as the reference's PCA keeps 1024 components of the training images), BENCH_EPOCHS (finetune epochs, both sides, default 2), BENCH_TIMES (runs per
// measurement, medians reported, default 3), BENCH_SKIP (comma list of sections to leave out:
// stages, python, load, runner).
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { benchLoad, loadTable } from "./load.js";
import { benchStages, STAGES, type StagesBench } from "./pipeline-stages.js";
import { benchPython, type PythonBench, type PythonSkipped } from "./python-reference.js";
import { benchRunner, runnerTable } from "./runner-overhead.js";
import { table } from "./stats.js";
import { ensureSyntheticData } from "./synthetic-data.js";

function envInt(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < min) {
    console.error(`${name} must be a whole number ≥ ${min}, got "${raw}"`);
    process.exit(2);
  }
  return v;
}

const images = envInt("BENCH_IMAGES", 5000, 1200);
const epochs = envInt("BENCH_EPOCHS", 2, 1);
const times = envInt("BENCH_TIMES", 3, 1);
const skip = new Set((process.env["BENCH_SKIP"] ?? "").split(",").map((s) => s.trim()).filter(Boolean));
const out = path.resolve(import.meta.dirname, "out");
const resultsFile = path.join(out, "results.json");
mkdirSync(out, { recursive: true });

const results: Record<string, unknown> = {
  started: new Date().toISOString(),
  settings: { images, captions: images * 5, fractionOfChallenge: images / 25000, epochs, times },
};
const save = (): void => writeFileSync(resultsFile, JSON.stringify(results, null, 2) + "\n");
const log = (line: string): void => console.log(line);
const sinceStart = performance.now();
const elapsed = (): string => `${((performance.now() - sinceStart) / 60000).toFixed(1)} min`;

/** The side-by-side table: one row per stage, then epoch, GFLOP/s and RSS rows. */
function comparisonTable(ours: StagesBench | undefined, py: PythonBench | PythonSkipped | undefined): string {
  const pyOk = py !== undefined && !("skipped" in py) ? py : undefined;
  const ratio = (a: number | null | undefined, b: number | null | undefined): string => (a != null && b != null && b > 0 && Number.isFinite(a) ? `${(a / b).toFixed(2)}×` : "–");
  const num = (v: number | null | undefined, digits = 2): string => (v != null && Number.isFinite(v) ? v.toFixed(digits) : "–");
  const rows: string[][] = [["stage", "ours (s)", "python (s)", "ours/python", "ours peak RSS MB"]];
  let sumOurs = 0, sumPy = 0;
  for (const stage of STAGES) {
    const o = ours?.stages[stage];
    const p = pyOk?.seconds[stage.replace("-", "_")];
    if (o !== undefined && Number.isFinite(o.seconds)) sumOurs += o.seconds;
    if (p !== undefined) sumPy += p;
    rows.push([stage, num(o?.seconds), num(p), ratio(o?.seconds, p), o?.peakRssMB != null ? o.peakRssMB.toFixed(0) : "–"]);
  }
  rows.push(["total (sum of stages)", ours ? num(sumOurs) : "–", pyOk ? num(sumPy) : "–", ratio(ours ? sumOurs : null, pyOk ? sumPy : null), ""]);
  rows.push(["finetune epoch (median)", num(ours?.epochSeconds), num(pyOk?.epochSecondsMedian), ratio(ours?.epochSeconds, pyOk?.epochSecondsMedian), ""]);
  const pyGflops = ours?.epochFlops != null && pyOk?.epochSecondsMedian != null ? ours.epochFlops / pyOk.epochSecondsMedian / 1e9 : null;
  rows.push(["training GFLOP/s", num(ours?.trainGflops, 1), pyGflops != null ? `${pyGflops.toFixed(1)}*` : "–", ratio(ours?.trainGflops, pyGflops), ""]);
  const lines = [table(rows)];
  if (ours) lines.push(`ours: ${ours.captions} captions × ${ours.images} images, ${ours.epochs} epoch(s), backend ${ours.backend ?? "?"}${ours.kernels != null ? `, kernels ${ours.kernels}` : ""}${ours.productThreads != null ? ` on ${ours.productThreads} thread(s)` : ""}, medians of ${ours.times} forced \`dag run\`s (seconds per stage process as \`dag status\` records them)`);
  if (pyOk) {
    lines.push(`python: medians of ${pyOk.times} runs; torch ${pyOk.torchThreads ?? "?"} thread(s); numpy BLAS (${pyOk.blas?.source ?? "unknown"}): ${pyOk.blas?.summary ?? "unknown"}`);
    const unset = Object.entries(pyOk.unsetEnv).map(([k, v]) => `${k}=${v}`).join(" ");
    lines.push(unset ? `python ran with ${unset} removed from its environment` : "python: OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE were not set");
    if (pyGflops != null) lines.push("* python GFLOP/s: the same product FLOPs per epoch as ours, over the reference's median epoch seconds (its epoch also gathers the batches)");
  } else if (py !== undefined && "skipped" in py) lines.push(`python: skipped — ${py.skipped}`);
  return lines.join("\n");
}

let ours: StagesBench | undefined;
let py: PythonBench | PythonSkipped | undefined;
try {
  if (!skip.has("stages") || !skip.has("python")) {
    console.log(`dataset: ${images} images, ${images * 5} captions (${((images / 25000) * 100).toFixed(0)}% of the challenge's size; BENCH_IMAGES=25000 for full scale)`);
    const data = await ensureSyntheticData(images);
    console.log(data.writeSeconds === null ? `  reused ${data.dir}` : `  wrote ${data.dir} in ${data.writeSeconds.toFixed(1)} s`);
    results["dataset"] = data;
    if (!skip.has("stages")) {
      console.log(`\npipeline stages through \`dag run --force\` × ${times} (finetune ${epochs} epoch(s))… [${elapsed()}]`);
      ours = benchStages(data, { epochs, times, log });
      results["stages"] = ours;
      save();
    }
    if (!skip.has("python")) {
      console.log(`\nPython reference × ${times}… [${elapsed()}]`);
      py = benchPython(data, { epochs, times, log });
      if ("skipped" in py) console.log(`  skipped: ${py.skipped}`);
      results["python"] = py;
      save();
    }
    console.log(`\n${comparisonTable(ours, py)}`);
  }
  if (!skip.has("load")) {
    console.log(`\ntrain.npz load at full size (25,000 images) × ${times}… [${elapsed()}]`);
    const load = await benchLoad({ images: 25000, times });
    results["load"] = load;
    save();
    console.log(loadTable(load));
  }
  if (!skip.has("runner")) {
    console.log(`\nthe runner… [${elapsed()}]`);
    const runner = benchRunner({ inputMB: 600, times });
    results["runner"] = runner;
    save();
    console.log(runnerTable(runner));
  }
} catch (error) {
  results["error"] = error instanceof Error ? error.message : String(error);
  save();
  console.error(`\nbenchmark failed: ${results["error"]}`);
  process.exitCode = 1;
}
results["minutes"] = (performance.now() - sinceStart) / 60000;
save();
console.log(`\ndone in ${elapsed()}; results: ${path.relative(process.cwd(), resultsFile)}`);
