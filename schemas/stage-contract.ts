// The one contract between the runner and a stage process: the job it is handed, the messages it
// sends, how it ends. Both sides import it; it imports nothing from runner/, cache/ or stages/.
//
// A stage is started as `node --import tsx MODULE` in the project root with DAG_JOB naming a JSON
// file that holds a Job (schemas/job.schema.json). It reads only the paths in `deps`, writes only
// into `outDir`, sends StageMessages (schemas/stage-message.schema.json) over the IPC channel, or,
// where no channel reaches the runner (a cluster job), appends them to the file MESSAGES_ENV names,
// one JSON object a line; and exits with one of STAGE_EXIT; an expected failure prints one line
// starting FAILURE_PREFIX. A stage given LEASE_ENV ends at once when that lease goes stale.
import type { ErrorObject } from "ajv/dist/2020.js";
import { err, ok, type Result } from "./result.js";
import { validateJob, validateStageMessage } from "./validators.generated.js";

export { err, ok, type Result, unreachable } from "./result.js";

/** What the runner hands a stage: the paths it may read and the one folder it may write. */
export interface Job {
  /** The stage's name in pipeline.yaml. */
  readonly stage: string;
  /** The stage's params with `${…}` references to top-level params already resolved. */
  readonly params: Readonly<Record<string, unknown>>;
  /** Input name → absolute path (a file, or a folder for folder deps): everything the stage reads, hashed by content. */
  readonly deps: Readonly<Record<string, string>>;
  /** Absolute path of the folder the stage writes its declared outputs into. */
  readonly outDir: string;
  /** Declared output (relative path, as in pipeline.yaml) → absolute path inside outDir. */
  readonly outs: Readonly<Record<string, string>>;
  /** The pipeline seed (stage `params.seed` wins over the top-level `params.seed`). */
  readonly seed: number;
  /**
   * Fan-in inputs (`candidates: finetune[*]:metrics.json`): input name → one member per variant of
   * the upstream stage, in its variant order. Absent when the stage has none; never also in `deps`.
   */
  readonly fanIn?: Readonly<Record<string, readonly FanInInput[]>>;
}

/** One member of a fan-in input: which variant it comes from, with what params, and the path to read. */
export interface FanInInput {
  /** The variant's name in the pipeline, e.g. `finetune[seed=3]`. */
  readonly stage: string;
  /** Its swept values by axis label, e.g. { seed: 3 } (empty for an unswept upstream). */
  readonly variant: Readonly<Record<string, unknown>>;
  /** Its params, resolved, as its own job received them. */
  readonly params: Readonly<Record<string, unknown>>;
  /** Absolute path of its output: a file, or a folder for folder outputs. */
  readonly path: string;
}

/**
 * A progress report: `done` of `total` units of the stage's whole work, so one bar covers the stage
 * (stages/lib/protocol/progress.ts maps phases onto it); `phase` says where it is, in words.
 */
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

/** A message a stage sends the runner over IPC. */
export type StageMessage = ProgressMessage | MetricsMessage | MetaMessage;

/** How a stage process exits: done, an expected failure (after a FAILURE_PREFIX line), or misuse (no job). */
export const STAGE_EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** The start of the one line a stage prints on stderr before exiting STAGE_EXIT.failed. */
export const FAILURE_PREFIX = "error: ";

/** The environment variable naming the job file. */
export const JOB_ENV = "DAG_JOB";

/**
 * The environment variable naming the messages file: set, the stage appends each StageMessage to
 * it as one line of JSON (`messageLine`) instead of sending it over IPC; the runner tails the file.
 */
export const MESSAGES_ENV = "DAG_MESSAGES";

/**
 * The environment variable naming the run's lease file, which the runner rewrites every
 * LEASE_REFRESH_MS while it lives. A lease missing or older than LEASE_STALE_MS means the runner
 * is gone: the stage ends at once and writes nothing more (its result would be discarded anyway).
 */
export const LEASE_ENV = "DAG_LEASE";
export const LEASE_REFRESH_MS = 5_000;
export const LEASE_STALE_MS = 30_000;

/** A message as one line of the messages file. */
export function messageLine(message: StageMessage): string {
  return JSON.stringify(message) + "\n";
}

/** Whether a lease file's modification time (ms since the epoch; undefined: missing) says its runner is gone at `now`. */
export function leaseStale(mtimeMs: number | undefined, now: number): boolean {
  return mtimeMs === undefined || now - mtimeMs > LEASE_STALE_MS;
}

/** An ajv validator as the generated module exports it: true, or false with its errors attached. */
type Validator = ((value: unknown) => boolean) & { errors?: ErrorObject[] | null };

// Compiled from the schemas at build time (schemas/compile-validators.ts): no ajv at a stage's start.
const checkJob = validateJob as unknown as Validator;
const checkMessage = validateStageMessage as unknown as Validator;

function describe(errors: readonly ErrorObject[] | null | undefined): string {
  return (errors ?? []).map((e) => `${e.instancePath || "(the job)"} ${e.message ?? "is invalid"}`).join("; ");
}

/** A job as read from its JSON file, checked against schemas/job.schema.json. */
export function parseJob(value: unknown): Result<Job, string> {
  return checkJob(value) ? ok(value as Job) : err(describe(checkJob.errors));
}

/** A message a stage sent, checked against schemas/stage-message.schema.json; anything else is undefined. */
export function parseStageMessage(value: unknown): StageMessage | undefined {
  return checkMessage(value) ? (value as StageMessage) : undefined;
}
