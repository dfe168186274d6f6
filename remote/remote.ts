// A remote is storage only: named objects (bytes) in a shared folder or a bucket. It knows nothing of stages, keys or manifests (runner/sync/ lays entries out on it).
import type { Readable } from "node:stream";
import type { Result } from "../schemas/result.js";
import type { RemoteSpec } from "./remote-spec.js";

/**
 * Why a remote operation failed, told apart so each gets its own advice: the remote cannot be
 * reached, rejects the credentials, has no such bucket or folder, refuses this user, is full; or
 * anything else (`failed`, with the server's words).
 */
export interface RemoteError {
  readonly reason: "unreachable" | "credentials" | "no-bucket" | "denied" | "quota" | "failed";
  /** The remote's name as configured. */
  readonly remote: string;
  /** What was being done: `upload blobs/3f/3f2a…`, `list entries/`. */
  readonly action: string;
  /** The server's or the system's words. */
  readonly detail: string;
}

/** One stored object. */
export interface RemoteObject {
  /** Its name: "/"-separated, relative to the remote's root (or prefix). */
  readonly name: string;
  readonly size: number;
  /** Last modified, milliseconds since the epoch. */
  readonly modified: number;
}

/** Called with the number of bytes moved since the last call. */
export type OnBytes = (bytes: number) => void;

export interface Remote {
  readonly spec: RemoteSpec;
  /** Checks the remote can be reached and listed with these credentials (one cheap request). */
  check(): Promise<Result<void, RemoteError>>;
  /** The object's size and age; undefined when there is no such object. */
  stat(name: string): Promise<Result<RemoteObject | undefined, RemoteError>>;
  /**
   * Stores a local file as `name`. The object appears whole or not at all: a reader never sees
   * part of it, also when the upload is killed; concurrent writers of one name leave one whole copy.
   */
  putFile(name: string, file: string, onBytes: OnBytes): Promise<Result<void, RemoteError>>;
  /** Stores small text as `name`, whole or not at all. */
  putText(name: string, text: string): Promise<Result<void, RemoteError>>;
  /** The object's bytes as a stream; undefined when there is no such object. */
  read(name: string): Promise<Result<Readable | undefined, RemoteError>>;
  /** A small object's text; undefined when there is no such object. */
  readText(name: string): Promise<Result<string | undefined, RemoteError>>;
  /** Every object whose name starts with `prefix`. */
  list(prefix: string): Promise<Result<RemoteObject[], RemoteError>>;
  /** Removes objects (absent ones are no error). */
  remove(names: readonly string[]): Promise<Result<void, RemoteError>>;
  /**
   * Uploads that never finished (a killed push: a temporary file, an incomplete multipart upload)
   * started before `before` (ms since the epoch): with `dryRun` counted, else removed. Never visible
   * as objects, they only take space.
   */
  sweepIncomplete(before: number, dryRun: boolean): Promise<Result<{ readonly count: number; readonly bytes: number }, RemoteError>>;
}
