// Runs shared/reference/python_pipeline.py (numpy / scikit-learn / torch) on the benchmark's data with
// /usr/bin/python3, and reports its per-step medians and which BLAS kernel numpy ran.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { BenchData } from "./synthetic-data.js";
import { median } from "./stats.js";

export const PYTHON = "/usr/bin/python3";
/** The reference script, beside the repository (…/shared/reference next to the repo's folder). */
export const REFERENCE = path.resolve(import.meta.dirname, "../../shared/reference/python_pipeline.py");

/** The reference's step names, as it prints them in "seconds". */
export const PYTHON_STEPS = ["load", "pca", "baseline_eval", "ridge", "finetune", "export"] as const;

/** What numpy's BLAS is, as threadpoolctl (or numpy.show_config) tells. */
export interface BlasInfo {
  readonly source: "threadpoolctl" | "numpy.show_config";
  /** e.g. "openblas 0.3.21 Haswell, 2 threads". */
  readonly summary: string;
  readonly raw: unknown;
}

export interface PythonBench {
  readonly times: number;
  /** Median seconds of each step over the runs. */
  readonly seconds: Record<string, number>;
  readonly epochSecondsMedian: number | null;
  readonly torchThreads: number | null;
  readonly blas: BlasInfo | null;
  /** OPENBLAS_* variables set in this environment, which the runs had removed. */
  readonly unsetEnv: Record<string, string>;
  /** The last run's metric lines (MRR of the cosine baseline, ridge and the fine-tuned model). */
  readonly metrics: Record<string, number>;
}

/** Why the Python side did not run. */
export interface PythonSkipped {
  readonly skipped: string;
}

const BLAS_PROBE = `
import json, numpy as np
np.ones((64, 64)) @ np.ones((64, 64))
try:
    import threadpoolctl
    info = threadpoolctl.threadpool_info()
    blas = [i for i in info if i.get("user_api") == "blas"]
    s = ", ".join(f'{i.get("internal_api")} {i.get("version")} {i.get("architecture")} ({i.get("num_threads")} threads)' for i in blas)
    print(json.dumps({"source": "threadpoolctl", "summary": s or "no BLAS found", "raw": info}))
except ImportError:
    import io, contextlib
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        np.show_config()
    print(json.dumps({"source": "numpy.show_config", "summary": "see raw", "raw": buf.getvalue()}))
`;

/** The environment for the Python runs: OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE removed (both or neither, see .library/env/README.md). */
function pythonEnv(): { env: NodeJS.ProcessEnv; unset: Record<string, string> } {
  const env = { ...process.env };
  const unset: Record<string, string> = {};
  for (const name of ["OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"]) {
    const v = env[name];
    if (v !== undefined) unset[name] = v;
    delete env[name];
  }
  return { env, unset };
}

/** Null when the reference can run here, else why not. */
export function pythonUnavailable(): string | null {
  if (!existsSync(REFERENCE)) return `reference script not found at ${REFERENCE}`;
  if (!existsSync(PYTHON)) return `${PYTHON} not found`;
  const probe = spawnSync(PYTHON, ["-c", "import numpy, sklearn, torch"], { encoding: "utf8" });
  if (probe.status !== 0) return `${PYTHON} lacks numpy, scikit-learn or torch (${(probe.stderr ?? "").trim().split("\n").pop() ?? ""})`;
  return null;
}

/** Runs the reference `times` times on the data with `epochs` epochs; a skip value when it cannot run. */
export function benchPython(data: BenchData, options: { epochs: number; times: number; log: (line: string) => void }): PythonBench | PythonSkipped {
  const missing = pythonUnavailable();
  if (missing !== null) return { skipped: missing };
  const { env, unset } = pythonEnv();
  let blas: BlasInfo | null = null;
  try {
    blas = JSON.parse(execFileSync(PYTHON, ["-c", BLAS_PROBE], { env, encoding: "utf8" }).trim().split("\n").pop() as string) as BlasInfo;
  } catch {
    blas = null;
  }
  const steps = new Map<string, number[]>();
  const epochs: number[] = [];
  let threads: number | null = null;
  let metrics: Record<string, number> = {};
  const out = mkdtempSync(path.join(os.tmpdir(), "dag-bench-python-"));
  try {
    for (let i = 0; i < options.times; i++) {
      const started = performance.now();
      const run = spawnSync(PYTHON, [REFERENCE, "--data", data.dir, "--out", out, "--epochs", String(options.epochs)], { env, encoding: "utf8", maxBuffer: 16 << 20 });
      if (run.status !== 0) return { skipped: `the reference failed (exit ${run.status}): ${(run.stderr ?? "").trim().split("\n").slice(-3).join(" | ")}` };
      const line = run.stdout.trim().split("\n").pop() as string;
      const r = JSON.parse(line) as { seconds: Record<string, number>; epoch_seconds_median: number | null; threads?: number } & Record<string, unknown>;
      for (const [k, v] of Object.entries(r.seconds)) steps.set(k, [...(steps.get(k) ?? []), v]);
      if (typeof r.epoch_seconds_median === "number") epochs.push(r.epoch_seconds_median);
      threads = typeof r.threads === "number" ? r.threads : null;
      metrics = Object.fromEntries(Object.entries(r).filter((e): e is [string, number] => typeof e[1] === "number" && e[0].startsWith("mrr")));
      options.log(`  run ${i + 1}/${options.times}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
  return {
    times: options.times,
    seconds: Object.fromEntries([...steps].map(([k, v]) => [k, median(v)])),
    epochSecondsMedian: epochs.length > 0 ? median(epochs) : null,
    torchThreads: threads,
    blas,
    unsetEnv: unset,
    metrics,
  };
}
