// The words for a failed stage: its name, exit code or signal, the last lines of its log and where the log is.
import { unreachable } from "../../cache/result.js";
import type { StageFailure } from "../events.js";
import { formatSize } from "../quantities.js";
import { clusterFailureText } from "./cluster-job-text.js";
import { writeFailureText } from "./write-failure-text.js";

/** One line for the stage's row. */
export function failureSummary(failure: StageFailure): string {
  switch (failure.reason) {
    case "exit":
      return `exited with code ${failure.exitCode}`;
    case "signal":
      return `killed by ${failure.signal}`;
    case "missing-outputs":
      return `did not write ${failure.missing.join(", ")}`;
    case "spawn":
      return `could not start: ${failure.message}`;
    case "interrupted":
      return "interrupted";
    case "unreadable-input":
      return `cannot read input ${failure.path}: ${failure.detail}`;
    case "artifacts":
      return `cannot update ${failure.path}: ${failure.detail}`;
    case "write-failed":
      return writeFailureText(failure.failure, process.cwd());
    case "cluster-job":
      return clusterFailureText(failure);
    default:
      return unreachable(failure);
  }
}

/** The block printed after the run: what failed, the tail of its log, the log path, what was skipped. */
export function failureDetails(stage: string, failure: StageFailure, skipped: readonly string[], cwd = process.cwd()): string {
  const lines = [`stage ${stage} failed: ${failureSummary(failure)}`];
  if ((failure.reason === "exit" || failure.reason === "signal") && failure.freeBytes !== undefined) {
    lines.push(`the disk holding .dag/ is full (${formatSize(failure.freeBytes)} free): that is the likely cause`);
  }
  if (failure.reason === "write-failed") lines.push("the store is as it was before the stage ran; free some space and run again");
  if ("logTail" in failure && failure.logTail.length > 0) {
    const lost = failure.reason === "exit" || failure.reason === "signal" ? failure.logLost : undefined;
    lines.push(lost === undefined ? `last lines of its log:` : `last lines of its output (its log could not be written (${lost}): these lines were kept in memory):`);
    for (const line of failure.logTail) lines.push(`  │ ${line}`);
  }
  if ("logFile" in failure && failure.logFile !== undefined) lines.push(`log: ${relativeOrAbsolute(failure.logFile, cwd)}`);
  if (skipped.length > 0) lines.push(`skipped downstream: ${skipped.join(", ")}`);
  return lines.join("\n");
}

function relativeOrAbsolute(file: string, cwd: string): string {
  return file.startsWith(cwd + "/") ? file.slice(cwd.length + 1) : file;
}
