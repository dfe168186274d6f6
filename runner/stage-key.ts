// A stage's cache key: one ordered plain object of everything that decides its outputs, hashed.
import objectHash from "object-hash";
import type { ContentHash, StageKey } from "../cache/digest.js";
import type { CodeFingerprint } from "./code-fingerprint.js";

/** Bump when the meaning of a key changes, so entries written under the old meaning are never hits. */
export const KEY_FORMAT = 2;

/** The runtime a stage runs on, as it goes into the key. */
export interface RuntimeInputs {
  /** The Node major version: V8 and Node's own libraries (zlib, the math library) change numbers between majors. */
  readonly node: string;
  /** The operating system (`linux`, `darwin`…): native code and the C library differ. */
  readonly platform: string;
  /** The processor architecture (`x64`, `arm64`): floating-point kernels and native builds differ. */
  readonly arch: string;
}

/** The runtime of this process, which is the one the stage processes get (they run on the runner's node). */
export function currentRuntime(): RuntimeInputs {
  return { node: process.versions.node.split(".")[0] ?? process.versions.node, platform: process.platform, arch: process.arch };
}

/** Everything that goes into a stage's key; it is also stored in the entry so `status` can say what changed. */
export interface KeyInputs {
  /** The key format version: entries from an older runner must not be mistaken for current ones. */
  readonly format: number;
  /** The stage name: two stages that run one module with the same params are still separate entries. */
  readonly stage: string;
  /** The module the stage runs: pointing a stage at another module changes what it computes. */
  readonly module: string;
  /** The stage's own params, resolved; params of other stages never enter (an unrelated edit keeps the key). */
  readonly params: Readonly<Record<string, unknown>>;
  /** The seed handed to the stage: it decides every random draw. */
  readonly seed: number;
  /**
   * Content of the stage module, of every project file it imports and of every file or folder its
   * code names with `new URL("…", import.meta.url)` (a build identity, a model folder); a named
   * file that does not exist is recorded as "absent", so its appearance re-runs the stage too.
   */
  readonly code: Readonly<Record<string, ContentHash | "absent">>;
  /** Versions of the packages the code imports (tfjs, …): they shape the numbers. */
  readonly packages: Readonly<Record<string, string>>;
  /** Content hash of every input, upstream outputs included, by input name: content, not upstream keys,
   *  so an upstream re-run that writes byte-identical files leaves this stage cached. */
  readonly inputs: Readonly<Record<string, { readonly ref: string; readonly hash: ContentHash }>>;
  /** The declared outputs: an entry must hold every file the stage now promises. */
  readonly outs: readonly string[];
  /** Node major, platform and architecture: the same code and inputs can round differently on another runtime. */
  readonly runtime: RuntimeInputs;
  /**
   * The environment variables pipeline.yaml declares (`env:` at the top and per stage) → their
   * values when the key was made, null for unset (an empty value is not unset): they switch code
   * paths that shape the numbers (e.g. which kernels run). Undeclared variables never enter.
   */
  readonly env: Readonly<Record<string, string | null>>;
}

export function makeKeyInputs(parts: {
  stage: string;
  module: string;
  params: Readonly<Record<string, unknown>>;
  seed: number;
  code: CodeFingerprint;
  inputs: Readonly<Record<string, { ref: string; hash: ContentHash }>>;
  outs: readonly string[];
  runtime?: RuntimeInputs;
  env?: Readonly<Record<string, string | null>>;
}): KeyInputs {
  return {
    format: KEY_FORMAT,
    stage: parts.stage,
    module: parts.module,
    params: parts.params,
    seed: parts.seed,
    code: parts.code.files,
    packages: parts.code.packages,
    inputs: parts.inputs,
    outs: [...parts.outs].sort(),
    runtime: parts.runtime ?? currentRuntime(),
    env: parts.env ?? {},
  };
}

/**
 * Hashes key inputs canonically: object keys in any order give the same key (object-hash sorts
 * them), and numbers are compared by value, so YAML `0.030` and `3e-2` are one key.
 */
export function stageKey(inputs: KeyInputs): StageKey {
  return objectHash(inputs as unknown as objectHash.NotUndefined, {
    algorithm: "sha256",
    encoding: "hex",
    unorderedObjects: true,
    unorderedArrays: false,
    respectType: false,
  }).slice(0, 32) as StageKey;
}
