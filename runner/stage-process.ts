// Runs one stage as a child process: writes its job, starts it with execa, relays its IPC messages.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { execa } from "execa";
import { parseStageMessage, type Job, type StageMessage } from "../schemas/stage-contract.js";
import type { StageFailure } from "./events.js";
import { guardStage, releaseStage, signalStage } from "./orphan-guard.js";
import { StageLog } from "./stage-log.js";

export interface StageProcessResult {
  readonly failure: StageFailure | undefined;
  readonly metrics: Readonly<Record<string, number>>;
  readonly meta: Readonly<Record<string, string | number | boolean>>;
  readonly seconds: number;
}

/** The loader that lets a stage be a .ts file; resolved from the runner's own install, not the project. */
export const TSX_LOADER = import.meta.resolve("tsx");

/** How many of a failed stage's last log lines its failure shows. */
export const LOG_TAIL_LINES = 20;

/** How long a stage may take to stop after SIGTERM (Ctrl-C) before its process group is killed. */
const STOP_GRACE_MS = 5000;

/**
 * Starts `node --import tsx <module>` in the project root with DAG_JOB pointing at the job file,
 * stdout and stderr appended to the log (their last lines also kept in memory), and resolves when
 * it exits (never rejects). The stage runs in a process group of its own, which dies with the
 * runner however the runner ends (orphan-guard.ts); Ctrl-C stops the whole group.
 */
export async function runStageProcess(options: {
  readonly moduleAbs: string;
  readonly job: Job;
  /** The project root: the stage's working directory. */
  readonly cwd: string;
  readonly jobFile: string;
  readonly logFile: string;
  readonly signal: AbortSignal;
  readonly onMessage: (message: StageMessage) => void;
}): Promise<StageProcessResult> {
  writeFileSync(options.jobFile, JSON.stringify(options.job, null, 2) + "\n");
  const started = performance.now();
  const metrics: Record<string, number> = {};
  const meta: Record<string, string | number | boolean> = {};
  const log = new StageLog(options.logFile);
  const child = execa(process.execPath, ["--import", TSX_LOADER, options.moduleAbs], {
    cwd: options.cwd,
    env: { DAG_JOB: options.jobFile },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    buffer: false,
    ipc: true,
    serialization: "json",
    reject: false,
    detached: true,
    cleanup: false,
  });
  const pid = child.pid;
  if (pid !== undefined) guardStage(pid);
  child.stdout?.on("data", (chunk: Buffer) => log.write(chunk));
  child.stderr?.on("data", (chunk: Buffer) => log.write(chunk));
  let forceKill: NodeJS.Timeout | undefined;
  const stop = (): void => {
    if (pid === undefined) return;
    signalStage(pid, "SIGTERM");
    forceKill = setTimeout(() => signalStage(pid, "SIGKILL"), STOP_GRACE_MS);
  };
  if (options.signal.aborted) stop();
  else options.signal.addEventListener("abort", stop, { once: true });
  child.on("message", (raw: unknown) => {
    const message = parseStageMessage(raw);
    if (message === undefined) return;
    if (message.type === "metrics") Object.assign(metrics, message.values);
    if (message.type === "meta") Object.assign(meta, message.values);
    options.onMessage(message);
  });
  const result = await child;
  options.signal.removeEventListener("abort", stop);
  clearTimeout(forceKill);
  // Whatever the stage started in its group goes with it.
  if (pid !== undefined) {
    signalStage(pid, "SIGKILL");
    releaseStage(pid);
  }
  log.close();
  const seconds = (performance.now() - started) / 1000;
  const tail = log.tail(LOG_TAIL_LINES);
  const lost = log.lostAt === undefined ? {} : { logLost: log.lostAt };
  let failure: StageFailure | undefined;
  if (options.signal.aborted) failure = { reason: "interrupted", logFile: options.logFile };
  else if (result.failed && result.exitCode === undefined && result.signal === undefined) {
    failure = { reason: "spawn", message: result.shortMessage ?? result.message ?? "unknown error" };
  } else if (result.signal !== undefined) {
    failure = { reason: "signal", signal: result.signal, logFile: options.logFile, logTail: tail, ...lost };
  } else if (result.exitCode !== 0) {
    failure = { reason: "exit", exitCode: result.exitCode ?? -1, logFile: options.logFile, logTail: tail, ...lost };
  }
  return { failure, metrics, meta, seconds };
}

/** The absolute output paths a stage is promised, by declared name. */
export function outputPaths(outDir: string, outs: readonly string[]): Record<string, string> {
  return Object.fromEntries(outs.map((o) => [o, path.join(outDir, ...o.split("/"))]));
}
