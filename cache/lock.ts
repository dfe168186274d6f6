// The run lock `.dag/lock`: one process at a time runs stages and writes the cache.
import { randomBytes } from "node:crypto";
import { readFileSync, unlinkSync } from "node:fs";
import { link, mkdir, readFile, rename, rm, unlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { tempSiblingPath } from "./atomic-write.js";
import { cacheLayout } from "./layout.js";
import { bootId, ownIdentity, runsNode, startTicksOf, startTimeOf } from "./process-identity.js";
import { err, ok, type Result } from "./result.js";
import { isWriteError, writeFailureOf, type WriteFailure } from "./write-failure.js";

/** Who holds the lock, as written in `.dag/lock`. */
export interface LockHolder {
  readonly pid: number;
  /** When the holder took the lock (ISO 8601). */
  readonly startedAt: string;
  /** The holder's command line, for the "waiting for …" message. */
  readonly command?: string;
  /** The machine the holder runs on (a store on a shared disk can be locked from another host). */
  readonly host?: string;
}

/** The lock is held by a live process (and `wait` was false). */
export interface LockHeld {
  readonly reason: "held";
  readonly holder: LockHolder;
}

/** The wait for the lock was given up (Ctrl-C): the signal passed in was aborted. */
export interface LockInterrupted {
  readonly reason: "interrupted";
}

/** Why acquireLock returned without the lock. */
export type LockError = LockHeld | LockInterrupted | WriteFailure;

/** Options of acquireLock. */
export interface AcquireLockOptions {
  /** Wait until the holder releases the lock (true), or return `held` at once (false). */
  readonly wait: boolean;
  /** Called once, the first time the lock is found held, when waiting. */
  readonly onWait?: (holder: LockHolder) => void;
  /** How often to look again while waiting (ms); 200 by default. */
  readonly pollMs?: number;
  /** The command line recorded for others to see; `process.argv` joined by default. */
  readonly command?: string;
  /** Aborting it (Ctrl-C) ends a wait at once with `interrupted`. */
  readonly signal?: AbortSignal;
  /** Called once when the wait has lasted `noticeAfterMs` (default 30 s): time to say who holds the lock and how to clear it. */
  readonly onLongWait?: (holder: LockHolder) => void;
  readonly noticeAfterMs?: number;
}

/** A held lock. */
export interface RunLock {
  /** Absolute path of the lock file. */
  readonly path: string;
  readonly holder: LockHolder;
  /** Removes the lock file if it is still ours. Idempotent. */
  release(): Promise<void>;
  /** The same, synchronously, for a process "exit" handler. */
  releaseSync(): void;
}

/**
 * The lock file's content: the holder, a token telling this acquisition from any other, and what
 * tells the holder's process from a later one that got its pid (boot id and process start time).
 */
interface LockRecord extends LockHolder {
  readonly token: string;
  readonly bootId?: string;
  readonly startTicks?: number;
}

/** Tokens of the locks (and take-over guards) held by this process: a holder with our pid but another token is a dead run whose pid was reused. */
const liveTokens = new Set<string>();

/**
 * Takes `<dagDir>/lock`. The file is created complete or not at all (written to a temporary file,
 * then hard-linked into place, which fails if it exists). A lock whose holder is gone is taken
 * over: its pid names no process, or a process that started after it (a reused pid: the lock
 * records its holder's start time and boot id), or it is unreadable. Under a short-lived guard
 * file `lock.takeover` the lock is re-read and, if unchanged, replaced by ours with a rename. A
 * live holder means `held`, or with `wait` polling until it is gone (onWait is called once,
 * onLongWait once after noticeAfterMs). Aborting `signal` ends the wait with `interrupted`; a
 * lock that cannot be written (a full disk) is a WriteFailure.
 */
export async function acquireLock(dagDir: string, options: AcquireLockOptions): Promise<Result<RunLock, LockError>> {
  const lockFile = cacheLayout(dagDir).lockFile;
  const pollMs = options.pollMs ?? 200;
  const identity = ownIdentity();
  const record: LockRecord = {
    pid: process.pid,
    startedAt: new Date().toISOString(),
    command: options.command ?? process.argv.join(" "),
    host: identity.host,
    token: randomBytes(12).toString("hex"),
    ...(identity.bootId === undefined ? {} : { bootId: identity.bootId }),
    ...(identity.startTicks === undefined ? {} : { startTicks: identity.startTicks }),
  };
  const text = `${JSON.stringify(record)}\n`;
  // Known before the file exists, so a concurrent acquirer in this process never mistakes it for a dead run's.
  liveTokens.add(record.token);
  const giveUp = <E extends LockError>(error: E): Result<RunLock, LockError> => {
    liveTokens.delete(record.token);
    return err(error);
  };
  const waitStarted = performance.now();
  let waited = false;
  let noticed = false;
  try {
    await mkdir(path.dirname(lockFile), { recursive: true });
    for (;;) {
      if (options.signal?.aborted) return giveUp({ reason: "interrupted" });
      if (await createExclusive(lockFile, text)) return ok(heldLock(lockFile, record));
      const current = await readLock(lockFile);
      if (current === undefined) continue;
      if (current.record === undefined || !isAlive(current.record)) {
        const outcome = await takeOver(lockFile, current.raw, text);
        if (outcome === "taken") return ok(heldLock(lockFile, record));
        if (outcome === "busy") await sleep(Math.min(pollMs, 50), options.signal);
        continue;
      }
      const holder = holderOf(current.record);
      if (!options.wait) return giveUp({ reason: "held", holder });
      if (!waited) {
        waited = true;
        options.onWait?.(holder);
      }
      if (!noticed && performance.now() - waitStarted >= (options.noticeAfterMs ?? 30_000)) {
        noticed = true;
        options.onLongWait?.(holder);
      }
      await sleep(pollMs, options.signal);
    }
  } catch (error) {
    if (!isWriteError(error)) throw error;
    return giveUp(await writeFailureOf(lockFile, error));
  }
}

function heldLock(lockFile: string, record: LockRecord): RunLock {
  let released = false;
  const stillOurs = (raw: string): boolean => parseRecord(raw)?.token === record.token;
  return {
    path: lockFile,
    holder: holderOf(record),
    async release() {
      if (released) return;
      released = true;
      liveTokens.delete(record.token);
      try {
        if (stillOurs(await readFile(lockFile, "utf8"))) await unlink(lockFile);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      }
    },
    releaseSync() {
      if (released) return;
      released = true;
      liveTokens.delete(record.token);
      try {
        if (stillOurs(readFileSync(lockFile, "utf8"))) unlinkSync(lockFile);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      }
    },
  };
}

/** Creates `file` with `text` if it does not exist, atomically with its content. */
async function createExclusive(file: string, text: string): Promise<boolean> {
  const temp = tempSiblingPath(file);
  await writeFile(temp, text, { flag: "wx" });
  try {
    await link(temp, file);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EEXIST") return false;
    if (code !== "EPERM" && code !== "ENOTSUP" && code !== "EOPNOTSUPP") throw error;
  } finally {
    await rm(temp, { force: true });
  }
  try {
    await writeFile(file, text, { flag: "wx" });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  }
}

/**
 * Replaces a stale lock (whose raw content was `staleRaw`) by ours, guarded by `lock.takeover`
 * so two processes cannot both replace it. "retry": the lock changed or the guard was stale.
 */
async function takeOver(lockFile: string, staleRaw: string, text: string): Promise<"taken" | "busy" | "retry"> {
  const guard = `${lockFile}.takeover`;
  const guardRecord: LockRecord = { pid: process.pid, startedAt: new Date().toISOString(), token: randomBytes(12).toString("hex") };
  liveTokens.add(guardRecord.token);
  if (!(await createExclusive(guard, JSON.stringify(guardRecord)))) {
    liveTokens.delete(guardRecord.token);
    const other = await readLock(guard);
    if (other === undefined) return "retry";
    if (other.record !== undefined && isAlive(other.record)) return "busy";
    await rm(guard, { force: true });
    return "retry";
  }
  try {
    const now = await readLock(lockFile);
    if (now !== undefined && now.raw !== staleRaw) return "retry";
    const temp = tempSiblingPath(lockFile);
    await writeFile(temp, text, { flag: "wx" });
    await rename(temp, lockFile);
    return "taken";
  } finally {
    liveTokens.delete(guardRecord.token);
    await rm(guard, { force: true });
  }
}

/** The lock's raw text and parsed record (undefined record: unreadable); undefined when the file is gone. */
async function readLock(file: string): Promise<{ raw: string; record: LockRecord | undefined } | undefined> {
  try {
    const raw = await readFile(file, "utf8");
    return { raw, record: parseRecord(raw) };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

function parseRecord(raw: string): LockRecord | undefined {
  try {
    const parsed = JSON.parse(raw) as Partial<LockRecord>;
    if (!Number.isSafeInteger(parsed.pid) || (parsed.pid as number) <= 0 || typeof parsed.startedAt !== "string") return undefined;
    return {
      pid: parsed.pid as number,
      startedAt: parsed.startedAt,
      token: typeof parsed.token === "string" ? parsed.token : "",
      ...(typeof parsed.command === "string" ? { command: parsed.command } : {}),
      ...(typeof parsed.host === "string" ? { host: parsed.host } : {}),
      ...(typeof parsed.bootId === "string" ? { bootId: parsed.bootId } : {}),
      ...(Number.isSafeInteger(parsed.startTicks) ? { startTicks: parsed.startTicks as number } : {}),
    };
  } catch {
    return undefined;
  }
}

/** A lock taken within this margin after its pid's process started may still be that process's (clock granularity). */
const START_MARGIN_MS = 2000;

/**
 * Whether the holder is still the live process that wrote the lock. Our own pid counts only with a
 * token we hold. A holder on another host cannot be checked and counts as live. On this host: a
 * lock from before the last boot, a pid with no process, or a pid whose process started at another
 * time than recorded (or, for a lock without a start time, one that is not Node or started after
 * the lock was taken) is dead.
 */
function isAlive(record: LockRecord): boolean {
  if (record.pid === process.pid) return liveTokens.has(record.token);
  if (record.host !== undefined && record.host !== os.hostname()) return true;
  if (record.bootId !== undefined && bootId() !== undefined && record.bootId !== bootId()) return false;
  try {
    process.kill(record.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ESRCH") return false;
  }
  if (record.startTicks !== undefined) {
    const now = startTicksOf(record.pid);
    return now === undefined || now === record.startTicks;
  }
  // A lock of an older dag, without a start time: its holder ran Node and started before it took the lock.
  if (runsNode(record.pid) === false) return false;
  const started = startTimeOf(record.pid);
  const locked = Date.parse(record.startedAt);
  return started === undefined || Number.isNaN(locked) || started <= locked + START_MARGIN_MS;
}

function holderOf(record: LockRecord): LockHolder {
  return {
    pid: record.pid,
    startedAt: record.startedAt,
    ...(record.command === undefined ? {} : { command: record.command }),
    ...(record.host === undefined ? {} : { host: record.host }),
  };
}

/** Waits `ms`, or less when `signal` is aborted meanwhile. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}
