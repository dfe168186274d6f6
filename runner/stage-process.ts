// Runs one stage as a child process: writes its job, starts it with execa, relays its IPC messages.
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { execa } from "execa";
import { parseStageMessage, type Job, type StageFailure, type StageMessage } from "../schemas/stage-contract.js";

export interface StageProcessResult {
  readonly failure: StageFailure | undefined;
  readonly metrics: Readonly<Record<string, number>>;
  readonly meta: Readonly<Record<string, string | number | boolean>>;
  readonly seconds: number;
}

/** The loader that lets a stage be a .ts file; resolved from the runner's own install, not the project. */
const TSX_LOADER = import.meta.resolve("tsx");

const LOG_TAIL_LINES = 20;

/** The last lines of a log file, for failure messages. */
export function logTail(file: string, lines = LOG_TAIL_LINES): string[] {
  try {
    const text = readFileSync(file, "utf8").replace(/\s+$/, "");
    return text === "" ? [] : text.split("\n").slice(-lines);
  } catch {
    return [];
  }
}

/**
 * Starts `node --import tsx <module>` in the project root with DAG_JOB pointing at the job file,
 * stdout and stderr appended to the log, and resolves when it exits (never rejects).
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
  const child = execa(process.execPath, ["--import", TSX_LOADER, options.moduleAbs], {
      cwd: options.cwd,
      env: { DAG_JOB: options.jobFile },
      stdin: "ignore",
      stdout: { file: options.logFile, append: true },
      stderr: { file: options.logFile, append: true },
      ipc: true,
      serialization: "json",
      reject: false,
      cancelSignal: options.signal,
      forceKillAfterDelay: 5000,
    });
    child.on("message", (raw: unknown) => {
      const message = parseStageMessage(raw);
      if (message === undefined) return;
      if (message.type === "metrics") Object.assign(metrics, message.values);
      if (message.type === "meta") Object.assign(meta, message.values);
      options.onMessage(message);
    });
    const result = await child;
    const seconds = (performance.now() - started) / 1000;
    let failure: StageFailure | undefined;
    if (result.isCanceled || options.signal.aborted) failure = { reason: "interrupted", logFile: options.logFile };
    else if (result.failed && result.exitCode === undefined && result.signal === undefined) {
      failure = { reason: "spawn", message: result.shortMessage ?? result.message ?? "unknown error" };
    } else if (result.signal !== undefined) {
      failure = { reason: "signal", signal: result.signal, logFile: options.logFile, logTail: logTail(options.logFile) };
    } else if (result.exitCode !== 0) {
      failure = { reason: "exit", exitCode: result.exitCode ?? -1, logFile: options.logFile, logTail: logTail(options.logFile) };
    }
    return { failure, metrics, meta, seconds };
}

/** The absolute output paths a stage is promised, by declared name. */
export function outputPaths(outDir: string, outs: readonly string[]): Record<string, string> {
  return Object.fromEntries(outs.map((o) => [o, path.join(outDir, ...o.split("/"))]));
}
