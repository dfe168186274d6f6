// Tells a process apart from a later one that reuses its pid: host, boot and the process's start time (Linux /proc).
import { readFileSync } from "node:fs";
import os from "node:os";

/** What identifies a process beyond its pid, as recorded in a lock. */
export interface ProcessIdentity {
  readonly host: string;
  /** The kernel's boot id: a lock from before a reboot names no live process. */
  readonly bootId: string | undefined;
  /** The process's start time in clock ticks since boot (field 22 of /proc/PID/stat); a reused pid has another. */
  readonly startTicks: number | undefined;
}

/** Clock ticks per second of /proc start times: 100 on every Linux that dag runs on. */
const TICKS_PER_SECOND = 100;

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}

/** The start time of `pid` in clock ticks since boot; undefined when there is no such process or no /proc. */
export function startTicksOf(pid: number): number | undefined {
  const stat = readText(`/proc/${pid}/stat`);
  if (stat === undefined) return undefined;
  // The command name (field 2) may hold spaces and parentheses: the fields after it follow the last ")".
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[19]);
  return Number.isSafeInteger(ticks) ? ticks : undefined;
}

/** When `pid` started (ms since the epoch), from its start ticks and the boot time; undefined without /proc. */
export function startTimeOf(pid: number): number | undefined {
  const ticks = startTicksOf(pid);
  const btime = /^btime (\d+)$/m.exec(readText("/proc/stat") ?? "")?.[1];
  return ticks === undefined || btime === undefined ? undefined : Number(btime) * 1000 + (ticks / TICKS_PER_SECOND) * 1000;
}

/** Whether `pid` runs the same program as this process (Node), by its executable; undefined when that cannot be read. */
export function runsNode(pid: number): boolean | undefined {
  const cmdline = readText(`/proc/${pid}/cmdline`);
  if (cmdline === undefined) return undefined;
  const program = cmdline.split("\0")[0] ?? "";
  return program.split("/").pop()?.startsWith("node") === true || program === process.execPath;
}

/** This machine's boot id (Linux), undefined elsewhere. */
export function bootId(): string | undefined {
  return readText("/proc/sys/kernel/random/boot_id")?.trim() || undefined;
}

/** The identity of process `pid` on this machine (for our own process: ownIdentity). */
export function identityOf(pid: number): ProcessIdentity {
  return { host: os.hostname(), bootId: bootId(), startTicks: startTicksOf(pid) };
}

/** The identity of this process. */
export function ownIdentity(): ProcessIdentity {
  return identityOf(process.pid);
}
