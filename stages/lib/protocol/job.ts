// The stage side of the runner contract (schemas/stage-contract.ts): read the job, report, exit cleanly, die with the runner.
//
// A stage finds its job in the JSON file named by DAG_JOB, writes only into job.outDir, reports
// through process.send (the IPC channel the runner opens), or, in a cluster job, by appending to
// the messages file DAG_MESSAGES names, and exits 0 on success. Run by hand (neither), reports go
// to stderr as plain lines. When the runner goes away (its IPC channel disconnects, the stage is
// re-parented, or its lease DAG_LEASE goes stale) the stage exits at once and writes nothing more.
import { appendFileSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { Worker } from "node:worker_threads";
import {
  FAILURE_PREFIX,
  JOB_ENV,
  LEASE_ENV,
  LEASE_STALE_MS,
  MESSAGES_ENV,
  STAGE_EXIT,
  leaseStale,
  messageLine,
  parseJob,
  type FanInInput,
  type Job,
  type StageMessage,
} from "../../../schemas/stage-contract.js";

export type { FanInInput, Job } from "../../../schemas/stage-contract.js";

/** An expected failure of a stage: printed as one `error: …` line, exit code 1, no stack trace. */
export class StageError extends Error {
  override readonly name = "StageError";
}

/** Reads and checks the job the runner wrote; exits 2 with a clear message when run without one. */
export function readJob(): Job {
  const file = process.env[JOB_ENV];
  if (!file) {
    process.stderr.write(`this is a dag stage: run it with \`npx dag run\`, or set ${JOB_ENV} to a job.json\n`);
    process.exit(STAGE_EXIT.usage);
  }
  const job = parseJob(JSON.parse(readFileSync(file, "utf8")));
  if (!job.ok) {
    process.stderr.write(`${FAILURE_PREFIX}${file} is not a dag job (schemas/job.schema.json): ${job.error}\n`);
    process.exit(STAGE_EXIT.usage);
  }
  return job.value;
}

/** The runner's pid while this stage reports to it over IPC; undefined when run by hand. */
let runnerPid: number | undefined;
/** Set while the stage disconnects on purpose at the end, so that is not taken for the runner dying. */
let finishing = false;

/** How often the watch thread looks for the runner, in milliseconds. */
const WATCH_MS = 50;

/** Polls the parent pid from a thread of its own, so a stage busy in a long computation still dies with the runner. */
const WATCH_SOURCE = `
const { workerData } = require("node:worker_threads");
setInterval(() => { if (process.ppid !== workerData.parent) process.kill(workerData.self, "SIGKILL"); }, ${WATCH_MS});
`;

/** Polls the lease file from a thread of its own: a stale lease (the runner on another machine is gone) ends the stage. */
const LEASE_WATCH_SOURCE = `
const { workerData } = require("node:worker_threads");
const { statSync } = require("node:fs");
setInterval(() => {
  let mtime;
  try { mtime = statSync(workerData.lease).mtimeMs; } catch { mtime = undefined; }
  if (mtime === undefined || Date.now() - mtime > workerData.staleMs) process.kill(workerData.self, "SIGKILL");
}, 1000);
`;

/** The lease file of a cluster job's runner; undefined for a local stage. */
const leaseFile = process.env[LEASE_ENV] || undefined;
/** The messages file of a cluster job; undefined for a local stage. */
const messagesFile = process.env[MESSAGES_ENV] || undefined;

function leaseGone(): boolean {
  if (leaseFile === undefined) return false;
  let mtime: number | undefined;
  try {
    mtime = statSync(leaseFile).mtimeMs;
  } catch {
    mtime = undefined;
  }
  return leaseStale(mtime, Date.now());
}

/** Ends the process now when the runner is gone: nothing written after it. */
function exitIfOrphaned(): void {
  if (runnerPid !== undefined && process.ppid !== runnerPid) process.kill(process.pid, "SIGKILL");
  if (leaseGone()) process.kill(process.pid, "SIGKILL");
}

/** Ties the stage's life to the runner's: IPC disconnect or re-parenting ends it at once. */
function watchRunner(): void {
  if (leaseFile !== undefined) {
    new Worker(LEASE_WATCH_SOURCE, { eval: true, execArgv: [], workerData: { lease: leaseFile, staleMs: LEASE_STALE_MS, self: process.pid } }).unref();
  }
  if (typeof process.send !== "function" || !process.connected) return;
  runnerPid = process.ppid;
  process.on("disconnect", () => {
    if (!finishing) process.kill(process.pid, "SIGKILL");
  });
  new Worker(WATCH_SOURCE, { eval: true, execArgv: [], workerData: { parent: runnerPid, self: process.pid } }).unref();
}

function send(message: StageMessage): void {
  exitIfOrphaned();
  if (messagesFile !== undefined) {
    appendFileSync(messagesFile, messageLine(message));
  } else if (typeof process.send === "function" && process.connected) {
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
  exitIfOrphaned();
  writeFileSync(path.join(job.outDir, file), JSON.stringify(values, null, 2) + "\n");
  reportMetrics(values);
}

/**
 * The absolute path of a declared output, to write now: a stage whose runner is gone ends here
 * instead. A typo in a stage is a bug, so an undeclared name throws.
 */
export function outPath(job: Job, name: string): string {
  exitIfOrphaned();
  const p = job.outs[name];
  if (p === undefined) throw new Error(`stage ${job.stage} has no declared output "${name}" (declared: ${Object.keys(job.outs).join(", ")})`);
  return p;
}

/** The absolute path of a declared input: the only files a stage reads, each hashed into its key. */
export function depPath(job: Job, name: string): string {
  const p = job.deps[name];
  if (p === undefined) throw new StageError(`stage ${job.stage} has no input "${name}" (declared: ${Object.keys(job.deps).join(", ") || "none"}); add it to its deps in pipeline.yaml`);
  return p;
}

/** The members of a fan-in input (`NAME: STAGE[*]:OUT`), one per variant of STAGE, in variant order. */
export function depList(job: Job, name: string): readonly FanInInput[] {
  const list = job.fanIn?.[name];
  if (list === undefined) {
    const declared = Object.keys(job.fanIn ?? {}).join(", ") || "none";
    throw new StageError(`stage ${job.stage} has no fan-in input "${name}" (declared: ${declared}); add it to its deps in pipeline.yaml as ${name}: STAGE[*]:OUT`);
  }
  return list;
}

/** Whether the stage declares an input of this name (for optional inputs). */
export function hasDep(job: Job, name: string): boolean {
  return job.deps[name] !== undefined;
}

/**
 * Runs a stage's main function: reads the job, awaits main, exits 0; a StageError prints its
 * message alone, any other error its stack; both exit 1.
 */
export function runStage(main: (job: Job) => Promise<void> | void): void {
  const job = readJob();
  watchRunner();
  Promise.resolve()
    .then(() => main(job))
    .then(
      () => {
        finishing = true;
        if (process.connected) process.disconnect();
        process.exitCode = STAGE_EXIT.ok;
      },
      (error: unknown) => {
        if (error instanceof StageError) process.stderr.write(`${FAILURE_PREFIX}${error.message}\n`);
        else process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
        process.exit(STAGE_EXIT.failed);
      },
    );
}

/** Typed param readers: a wrong type is a StageError naming the stage, the param and the value. */
export function param<T>(job: Job, name: string, fallback: T): T {
  const value = job.params[name];
  if (value === undefined || value === null) return fallback;
  const want = typeof fallback;
  if (typeof value !== want) {
    throw new StageError(`stage ${job.stage}: params.${name} must be a ${want}, got ${JSON.stringify(value)}`);
  }
  return value as T;
}

/** A param that must be one of a fixed set of strings. */
export function choiceParam<T extends string>(job: Job, name: string, choices: readonly T[], fallback: T): T {
  const value = param<string>(job, name, fallback);
  if (!(choices as readonly string[]).includes(value)) {
    throw new StageError(`stage ${job.stage}: params.${name} must be one of ${choices.join(" | ")}, got ${JSON.stringify(value)}`);
  }
  return value as T;
}
