// Digests for the cache: branded hash and key types, streaming sha256 of files, canonical folder digests.
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { err, ok, type Result } from "./result.js";

/** A content digest, always `sha256:<64 lowercase hex>`: the digest of a file's bytes or of a folder listing. */
export type ContentHash = string & { readonly __brand: "ContentHash" };

/**
 * The key of one cache entry of a stage, chosen by the runner (an opaque, filesystem-safe string,
 * in practice lowercase hex). A distinct brand so a ContentHash cannot be passed where a key is expected.
 */
export type StageKey = string & { readonly __brand: "StageKey" };

/** Why a string cannot be a StageKey. */
export interface InvalidStageKey {
  readonly reason: "invalid-key";
  readonly key: string;
  readonly detail: string;
}

/** Why a path could not be hashed; `path` is the offending file or folder (absolute). */
export type HashError =
  | { readonly reason: "missing"; readonly path: string; readonly detail: string }
  | { readonly reason: "unsupported"; readonly path: string; readonly detail: string }
  | { readonly reason: "unreadable"; readonly path: string; readonly detail: string };

/** Turns a filesystem exception about `path` into a HashError (ENOENT/ENOTDIR: missing; others: unreadable). */
export function hashErrorOf(path: string, error: unknown): HashError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === "ENOENT" || code === "ENOTDIR") return { reason: "missing", path, detail: "no such file or folder" };
  const message = error instanceof Error ? error.message : String(error);
  return { reason: "unreadable", path, detail: code ? `${code}: ${message}` : message };
}

/** Read size for streaming hashes: large chunks keep a 600 MB input at disk/sha256 speed. */
export const HASH_CHUNK_BYTES = 4 * 1024 * 1024;

const CONTENT_HASH = /^sha256:[0-9a-f]{64}$/;
const STAGE_KEY = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/;

/** True when `value` has the exact ContentHash format. */
export function isContentHash(value: unknown): value is ContentHash {
  return typeof value === "string" && CONTENT_HASH.test(value);
}

/** The ContentHash of bytes or of a string's UTF-8 encoding. */
export function hashBytes(data: string | Uint8Array): ContentHash {
  return `sha256:${createHash("sha256").update(data).digest("hex")}` as ContentHash;
}

/**
 * A StageKey made from the text the runner canonicalised (e.g. sorted-key JSON of what goes into
 * the key): the lowercase sha256 hex of its UTF-8 bytes.
 */
export function stageKeyFromText(canonical: string): StageKey {
  return createHash("sha256").update(canonical).digest("hex") as StageKey;
}

/**
 * Checks that `key` is safe as a single path component (1–128 characters of `A–Z a–z 0–9 . _ -`,
 * not starting with a dot) and brands it.
 */
export function parseStageKey(key: string): Result<StageKey, InvalidStageKey> {
  if (STAGE_KEY.test(key)) return ok(key as StageKey);
  const detail =
    key.length === 0
      ? "a key cannot be empty"
      : key.length > 128
        ? `a key has at most 128 characters, this one has ${key.length}`
        : key.startsWith(".")
          ? "a key cannot start with a dot"
          : "a key may only contain A-Z a-z 0-9 . _ -";
  return err({ reason: "invalid-key", key, detail });
}

/** A streamed file digest and the number of bytes that went into it. */
export interface StreamedDigest {
  readonly hash: ContentHash;
  readonly bytes: number;
}

/** sha256 of a file's bytes, read as a stream in HASH_CHUNK_BYTES chunks (equal to `sha256sum FILE`). */
export async function hashFileContent(absPath: string): Promise<StreamedDigest> {
  const hash = createHash("sha256");
  let bytes = 0;
  for await (const chunk of createReadStream(absPath, { highWaterMark: HASH_CHUNK_BYTES })) {
    const buffer = chunk as Buffer;
    hash.update(buffer);
    bytes += buffer.length;
  }
  return { hash: `sha256:${hash.digest("hex")}` as ContentHash, bytes };
}

/** One file below a folder: its path relative to the folder ("/"-separated) and its content hash. */
export interface FolderFile {
  readonly relPath: string;
  readonly hash: ContentHash;
}

/**
 * The digest of a folder: sha256 of the JSON text `["dag-folder-v1", [[relPath, hash], …]]` with
 * the files sorted by relPath (UTF-16 code unit order). Names and contents both count; empty
 * sub-folders do not (only files are listed).
 */
export function folderDigest(files: readonly FolderFile[]): ContentHash {
  const sorted = [...files].sort((a, b) => (a.relPath < b.relPath ? -1 : a.relPath > b.relPath ? 1 : 0));
  return hashBytes(JSON.stringify(["dag-folder-v1", sorted.map((file) => [file.relPath, file.hash])]));
}
