// The words for the run lock: who holds it while a command waits, who still holds it after a long wait and how to clear it, and why it could not be taken.
import path from "node:path";
import type { LockError, LockHolder } from "../../cache/lock.js";
import { unreachable } from "../../cache/result.js";
import { writeFailureText } from "./write-failure-text.js";

/** `pid 4242 on host build-1, running "dag run -j 2", since 2024-05-01T12:00:00Z` */
function holderText(holder: LockHolder): string {
  const host = holder.host === undefined ? "" : ` on host ${holder.host}`;
  const command = holder.command === undefined ? "" : `, running "${holder.command}"`;
  return `pid ${holder.pid}${host}${command}, since ${holder.startedAt}`;
}

/**
 * The line printed while a command waits for the lock (`long`: still waiting after a long time,
 * with how to clear a lock that no live process holds).
 */
export function lockWaitText(holder: LockHolder, long: boolean, lockFile: string, waiter: "run" | "gc"): string {
  if (!long && waiter === "gc") return `a dag run (pid ${holder.pid}, since ${holder.startedAt}) holds this project; gc waits for it to finish…`;
  if (!long) return `another dag run (pid ${holder.pid}, since ${holder.startedAt}) holds this project; waiting for it to finish…`;
  return `still waiting for the lock: it is held by ${holderText(holder)}; if no such dag runs any more (e.g. on another host, which dag cannot check), remove ${path.relative(process.cwd(), lockFile) || lockFile}`;
}

/** Why a command could not take the lock (not an interruption: that is exit 130 without words). */
export function lockErrorText(error: LockError, command: string, root: string): string {
  switch (error.reason) {
    case "held":
      return `another dag run (${holderText(error.holder)}) holds this project; wait for it or run dag ${command} without --no-wait`;
    case "interrupted":
      return "interrupted while waiting for the lock";
    case "write-failed":
      return `dag: cannot take the lock: ${writeFailureText(error, root)}`;
    default:
      return unreachable(error);
  }
}
