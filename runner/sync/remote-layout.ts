// How cache entries are laid out on a remote: file contents by their hash (stored once across stages and variants), entries by stage and key, manifest last.
import type { ContentHash, StageKey } from "../../cache/digest.js";

/**
 * `blobs/3f/3f2a…`: the bytes of one file, named by its sha256 (the hash the manifest and the stat
 * cache already have). The same content is one object, whichever stages and variants wrote it.
 */
export function blobName(hash: ContentHash): string {
  const hex = hash.slice("sha256:".length);
  return `blobs/${hex.slice(0, 2)}/${hex}`;
}

/** `entries/<stage>/<key>/`: the objects of one entry. */
export function entryPrefix(stage: string, key: StageKey): string {
  return `entries/${stage}/${key}/`;
}

/**
 * `entries/<stage>/<key>/manifest.json`: the entry's local manifest, byte for byte, uploaded after
 * everything it refers to: its presence is what makes the entry exist on the remote.
 */
export function manifestName(stage: string, key: StageKey): string {
  return `${entryPrefix(stage, key)}manifest.json`;
}

/** `entries/<stage>/<key>/files.json`: each declared output's files (a folder output has several), see FileList. */
export function filesName(stage: string, key: StageKey): string {
  return `${entryPrefix(stage, key)}files.json`;
}

/** `entries/<stage>/<key>/log.txt`: what the stage printed. */
export function logName(stage: string, key: StageKey): string {
  return `${entryPrefix(stage, key)}log.txt`;
}

/**
 * Declared output → its files as `[relPath, hash, size]` (relPath "" for an output that is one
 * file). Checked on download against the manifest: a file output's hash is its blob's, a folder's
 * is the folder digest of its files.
 */
export type FileList = Record<string, [string, ContentHash, number][]>;

/** Parses an entry's `entries/<stage>/<key>/` object name back; undefined for other names. */
export function parseManifestName(name: string): { readonly stage: string; readonly key: StageKey } | undefined {
  const match = /^entries\/([^/]+)\/([^/]+)\/manifest\.json$/.exec(name);
  return match === null ? undefined : { stage: match[1] as string, key: match[2] as StageKey };
}
