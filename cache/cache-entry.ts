// One committed cache entry: its manifest.json format, parsing, and verification of its outputs.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { isContentHash, type ContentHash, type StageKey } from "./digest.js";
import { err, ok, type Result } from "./result.js";
import type { StatCache } from "./stat-cache.js";

/** A declared output as recorded at commit. */
export interface OutputRecord {
  /** File: sha256 of its bytes; folder: the folder digest. */
  readonly hash: ContentHash;
  /** Bytes (of all files, for a folder). */
  readonly size: number;
}

/** The content of `.dag/entries/<stage>/<key>/manifest.json`. */
export interface Manifest {
  readonly version: 1;
  readonly stage: string;
  readonly key: StageKey;
  /** When the entry was committed (ISO 8601, UTC). */
  readonly createdAt: string;
  /** Declared output (relative path inside `outs/`) → its hash and size. */
  readonly outputs: Readonly<Record<string, OutputRecord>>;
  /** Opaque JSON from the runner (what went into the key, metrics, timings…). */
  readonly record: unknown;
}

/** A committed entry: its manifest and where its files are. */
export interface CacheEntry {
  readonly stage: string;
  readonly key: StageKey;
  /** `.dag/entries/<stage>/<key>` (absolute). */
  readonly dir: string;
  /** `<dir>/outs`: the declared outputs (`artifacts/<stage>` links here when the entry is current). */
  readonly outDir: string;
  /** `<dir>/log.txt`: what the stage printed. */
  readonly logFile: string;
  /** `<dir>/manifest.json`. */
  readonly manifestFile: string;
  readonly manifest: Manifest;
}

/** The CacheEntry view of an entry folder and its manifest. */
export function entryAt(dir: string, manifest: Manifest): CacheEntry {
  return {
    stage: manifest.stage,
    key: manifest.key,
    dir,
    outDir: path.join(dir, "outs"),
    logFile: path.join(dir, "log.txt"),
    manifestFile: path.join(dir, "manifest.json"),
    manifest,
  };
}

/**
 * Why `output` cannot name a declared output, or undefined when it can: a relative, normalised,
 * "/"-separated path that stays inside `outs/` (e.g. `captions.npy`, `plots/roc.png`).
 */
export function outputPathProblem(output: string): string | undefined {
  if (output === "" || output === ".") return "an output path cannot be empty";
  if (output.includes("\0")) return "an output path cannot contain a NUL character";
  if (output.includes("\\")) return 'an output path uses "/" as separator, not "\\"';
  if (path.posix.isAbsolute(output)) return "an output path must be relative to the output folder";
  if (output.split("/").includes("..")) return 'an output path cannot contain ".."';
  if (path.posix.normalize(output) !== output || output.endsWith("/")) {
    return `an output path must be normalised (${JSON.stringify(path.posix.normalize(output).replace(/\/$/, ""))})`;
  }
  return undefined;
}

/** Parses manifest text and checks it belongs to `expected`; the error is a one-line reason. */
export function parseManifest(text: string, expected: { readonly stage: string; readonly key: StageKey }): Result<Manifest, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return err(`manifest.json is not valid JSON (${(error as Error).message})`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return err("manifest.json is not a JSON object");
  const fields = parsed as Record<string, unknown>;
  if (fields["version"] !== 1) return err(`manifest.json has version ${JSON.stringify(fields["version"])}, expected 1`);
  if (fields["stage"] !== expected.stage) return err(`manifest.json names stage ${JSON.stringify(fields["stage"])}, expected ${JSON.stringify(expected.stage)}`);
  if (fields["key"] !== expected.key) return err(`manifest.json names key ${JSON.stringify(fields["key"])}, expected ${JSON.stringify(expected.key)}`);
  const createdAt = fields["createdAt"];
  if (typeof createdAt !== "string" || Number.isNaN(Date.parse(createdAt))) return err("manifest.json has no valid createdAt");
  const outputs = fields["outputs"];
  if (typeof outputs !== "object" || outputs === null || Array.isArray(outputs)) return err("manifest.json has no outputs object");
  for (const [output, value] of Object.entries(outputs)) {
    const problem = outputPathProblem(output);
    if (problem) return err(`manifest.json lists output ${JSON.stringify(output)}: ${problem}`);
    const { hash, size } = (value ?? {}) as { hash?: unknown; size?: unknown };
    if (!isContentHash(hash) || typeof size !== "number" || !Number.isSafeInteger(size) || size < 0) {
      return err(`manifest.json has no valid hash and size for output ${JSON.stringify(output)}`);
    }
  }
  return ok({
    version: 1,
    stage: expected.stage,
    key: expected.key,
    createdAt,
    outputs: outputs as Record<string, OutputRecord>,
    record: fields["record"],
  });
}

/** Reads and parses `<dir>/manifest.json`; the error is a one-line reason. */
export async function readEntry(dir: string, expected: { readonly stage: string; readonly key: StageKey }): Promise<Result<CacheEntry, string>> {
  let text: string;
  try {
    text = await readFile(path.join(dir, "manifest.json"), "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return err(code === "ENOENT" ? "manifest.json is missing" : `manifest.json cannot be read (${code ?? (error as Error).message})`);
  }
  const manifest = parseManifest(text, expected);
  return manifest.ok ? ok(entryAt(dir, manifest.value)) : manifest;
}

/** What is wrong with an entry: a short summary (`W.npy does not match its manifest`) and the same with the evidence. */
export interface EntryDamage {
  readonly summary: string;
  readonly detail: string;
}

/**
 * Checks that every output in the manifest is still there with its recorded size and hash. Goes
 * through the stat cache: an output whose stat is unchanged is not re-read. The error says what
 * is wrong with the first bad output.
 */
export async function verifyEntry(entry: CacheEntry, statCache: StatCache): Promise<Result<void, EntryDamage>> {
  for (const [output, recorded] of Object.entries(entry.manifest.outputs).sort(([a], [b]) => (a < b ? -1 : 1))) {
    const digest = await statCache.digestPath(path.join(entry.outDir, ...output.split("/")));
    if (!digest.ok) {
      return err(digest.error.reason === "missing" ? damage(`${output} is missing`) : damage(`${output} cannot be read`, digest.error.detail));
    }
    if (digest.value.size !== recorded.size) {
      return err(damage(`${output} does not match its manifest`, `${digest.value.size} bytes, the manifest says ${recorded.size}`));
    }
    if (digest.value.hash !== recorded.hash) {
      return err(damage(`${output} does not match its manifest`, `it hashes to ${digest.value.hash}, the manifest says ${recorded.hash}`));
    }
  }
  return ok(undefined);
}

/** An EntryDamage from a summary and, optionally, its evidence. */
export function damage(summary: string, evidence?: string): EntryDamage {
  return { summary, detail: evidence === undefined ? summary : `${summary} (${evidence})` };
}
