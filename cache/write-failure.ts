// A write the store could not make (a full disk, a read-only folder) as a value with the path, the cause and the space left.
import { statfs } from "node:fs/promises";
import path from "node:path";
import { err, ok, type Result } from "./result.js";

/** Why a file or folder of the store could not be written; the store is left as it was before the write. */
export interface WriteFailure {
  readonly reason: "write-failed";
  /** The file or folder that could not be written (absolute). */
  readonly path: string;
  /** The system's error code, e.g. ENOSPC. */
  readonly code: string;
  /** The cause in words, e.g. "no space left on device". */
  readonly detail: string;
  /** Bytes free for us on the filesystem holding `path` when the write failed; undefined when unknown. */
  readonly freeBytes: number | undefined;
}

/** The error codes a write can meet on a healthy system: the disk, quotas, permissions, read-only mounts, limits. */
const WRITE_CODES: Readonly<Record<string, string>> = {
  ENOSPC: "no space left on device",
  EDQUOT: "disk quota exceeded",
  EROFS: "read-only file system",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EIO: "input/output error",
  EFBIG: "file too large",
  EMFILE: "too many open files",
  ENFILE: "too many open files in the system",
  ENAMETOOLONG: "file name too long",
};

/** True for an exception a write can throw on a healthy system (as opposed to a bug). */
export function isWriteError(error: unknown): error is NodeJS.ErrnoException {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === "string" && code in WRITE_CODES;
}

/** Bytes free for an unprivileged writer on the filesystem holding `target` (or its nearest existing parent). */
export async function freeBytesAt(target: string): Promise<number | undefined> {
  for (let dir = path.resolve(target); ; dir = path.dirname(dir)) {
    try {
      const stats = await statfs(dir);
      return Number(stats.bavail) * Number(stats.bsize);
    } catch {
      if (path.dirname(dir) === dir) return undefined;
    }
  }
}

/** The WriteFailure for an exception thrown while writing `target`. */
export async function writeFailureOf(target: string, error: NodeJS.ErrnoException): Promise<WriteFailure> {
  const code = error.code ?? "EIO";
  return { reason: "write-failed", path: error.path ?? target, code, detail: WRITE_CODES[code] ?? error.message, freeBytes: await freeBytesAt(target) };
}

/**
 * Runs a write of `target`; an exception a healthy system can raise (isWriteError) becomes a
 * WriteFailure value, anything else (a bug) is rethrown.
 */
export async function tryWrite<T>(target: string, write: () => Promise<T>): Promise<Result<T, WriteFailure>> {
  try {
    return ok(await write());
  } catch (error) {
    if (!isWriteError(error)) throw error;
    return err(await writeFailureOf(target, error));
  }
}
