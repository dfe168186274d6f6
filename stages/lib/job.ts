// The stage side of the runner contract: read the job, report progress and metrics, exit cleanly.
//
// A stage is a TypeScript module started by the runner as `node --import tsx <module>` in the
// project root. It finds its job in the JSON file named by the DAG_JOB environment variable,
// writes only into job.outDir, reports through process.send (an IPC channel the runner opens)
// and exits 0 on success. Run by hand (no IPC channel), reports go to stderr as plain lines.
// The message format is documented in README.md ("Stage contract") and schemas/stage-message.schema.json.
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

/** What the runner hands a stage: everything it may read and the one folder it may write. */
export interface Job {
  /** The stage's name in pipeline.yaml. */
  readonly stage: string;
  /** The stage's params with `${…}` references to top-level params already resolved. */
  readonly params: Readonly<Record<string, unknown>>;
  /** Input name → absolute path (a file, or a folder for folder deps). */
  readonly deps: Readonly<Record<string, string>>;
  /** Absolute path of the folder the stage writes its declared outputs into. */
  readonly outDir: string;
  /** Declared output (relative path, as in pipeline.yaml) → absolute path inside outDir. */
  readonly outs: Readonly<Record<string, string>>;
  /** The pipeline seed (stage `params.seed` wins over the top-level `params.seed`). */
  readonly seed: number;
  /** Absolute path of the project root (the folder holding pipeline.yaml). */
  readonly projectRoot: string;
}

/** A progress report: `done` of `total` steps of the current phase. */
export interface ProgressMessage {
  readonly type: "progress";
  readonly done: number;
  readonly total: number;
  /** Short phase name shown before the bar, e.g. "epoch 3/20" or "inflate labels". */
  readonly phase?: string;
  /** Latest headline numbers shown after the bar, e.g. { loss: 0.41, "val MRR": 0.53 }. */
  readonly values?: Readonly<Record<string, number>>;
}

/** Final (or running) metrics; later messages merge over earlier ones. */
export interface MetricsMessage {
  readonly type: "metrics";
  readonly values: Readonly<Record<string, number>>;
}

/** Facts about how the stage ran that are not metrics, e.g. { backend: "wasm" }. */
export interface MetaMessage {
  readonly type: "meta";
  readonly values: Readonly<Record<string, string | number | boolean>>;
}

export type StageMessage = ProgressMessage | MetricsMessage | MetaMessage;

/** Reads the job the runner wrote; exits 2 with a clear message when run without one. */
export function readJob(): Job {
  const file = process.env["DAG_JOB"];
  if (!file) {
    process.stderr.write("this is a dag stage: run it with `npx dag run`, or set DAG_JOB to a job.json\n");
    process.exit(2);
  }
  return JSON.parse(readFileSync(file, "utf8")) as Job;
}

function send(message: StageMessage): void {
  if (typeof process.send === "function" && process.connected) {
    process.send(message);
  } else {
    process.stderr.write(`[${message.type}] ${JSON.stringify(message)}\n`);
  }
}

/** Reports progress; cheap enough to call per batch (the runner throttles rendering). */
export function reportProgress(done: number, total: number, phase?: string, values?: Record<string, number>): void {
  send({ type: "progress", done, total, ...(phase === undefined ? {} : { phase }), ...(values === undefined ? {} : { values }) });
}

/** Reports metrics to the runner (shown in `dag status`, stored in the cache manifest). */
export function reportMetrics(values: Record<string, number>): void {
  send({ type: "metrics", values });
}

/** Reports facts about the run, e.g. the compute backend. */
export function reportMeta(values: Record<string, string | number | boolean>): void {
  send({ type: "meta", values });
}

/** Writes metrics.json into the output folder and reports the same values to the runner. */
export function writeMetrics(job: Job, values: Record<string, number>, file = "metrics.json"): void {
  writeFileSync(path.join(job.outDir, file), JSON.stringify(values, null, 2) + "\n");
  reportMetrics(values);
}

/** The absolute path of a declared output; a typo in a stage is a bug, so it throws. */
export function outPath(job: Job, name: string): string {
  const p = job.outs[name];
  if (p === undefined) throw new Error(`stage ${job.stage} has no declared output "${name}" (declared: ${Object.keys(job.outs).join(", ")})`);
  return p;
}

/** The absolute path of a declared input. */
export function depPath(job: Job, name: string): string {
  const p = job.deps[name];
  if (p === undefined) throw new Error(`stage ${job.stage} has no input "${name}" (declared: ${Object.keys(job.deps).join(", ")}); add it to deps in pipeline.yaml`);
  return p;
}

/** An expected failure of a stage: printed as one clear line, exit code 1, no stack trace. */
export class StageFailure extends Error {
  override readonly name = "StageFailure";
}

/**
 * Runs a stage's main function: reads the job, awaits main, exits 0; a StageFailure prints its
 * message alone, any other error its stack; both exit 1.
 */
export function runStage(main: (job: Job) => Promise<void> | void): void {
  const job = readJob();
  Promise.resolve()
    .then(() => main(job))
    .then(
      () => {
        if (process.connected) process.disconnect();
        process.exitCode = 0;
      },
      (error: unknown) => {
        if (error instanceof StageFailure) process.stderr.write(`error: ${error.message}\n`);
        else process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
        process.exit(1);
      },
    );
}

/** Typed param readers: a wrong type is a StageFailure naming the stage, the param and the value. */
export function param<T>(job: Job, name: string, fallback: T): T {
  const value = job.params[name];
  if (value === undefined || value === null) return fallback;
  const want = typeof fallback;
  if (typeof value !== want) {
    throw new StageFailure(`stage ${job.stage}: params.${name} must be a ${want}, got ${JSON.stringify(value)}`);
  }
  return value as T;
}

/** A param that must be one of a fixed set of strings. */
export function choiceParam<T extends string>(job: Job, name: string, choices: readonly T[], fallback: T): T {
  const value = param<string>(job, name, fallback);
  if (!(choices as readonly string[]).includes(value)) {
    throw new StageFailure(`stage ${job.stage}: params.${name} must be one of ${choices.join(" | ")}, got ${JSON.stringify(value)}`);
  }
  return value as T;
}
