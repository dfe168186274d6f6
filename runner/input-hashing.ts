// Hashes what a stage is made of today — its inputs (upstream entries' outputs, workspace files), its code, its declared env — into its key.
import path from "node:path";
import type { CacheEntry } from "../cache/cache-entry.js";
import type { ContentHash, HashError, StageKey } from "../cache/digest.js";
import { err, ok, type Result } from "../cache/result.js";
import type { StatCache } from "../cache/stat-cache.js";
import { fingerprintCode, type CodeFingerprint } from "./code-fingerprint.js";
import type { StageSpec } from "./pipeline.js";
import { makeKeyInputs, stageKey, type KeyInputs } from "./stage-key.js";

/** An input or code file that could not be hashed (deleted since the pipeline was checked, unreadable…). */
export interface UnhashableInput {
  readonly reason: "unhashable";
  readonly error: HashError;
}

export interface ResolvedKey {
  readonly key: StageKey;
  readonly inputs: KeyInputs;
}

/** Hashes code and inputs once per process; the stat cache makes unchanged files free. */
export class InputHasher {
  private readonly code = new Map<string, Promise<CodeFingerprint>>();

  constructor(
    private readonly root: string,
    private readonly stats: StatCache,
  ) {}

  /** The fingerprint of a stage module (memoised: stages sharing lib files hash them once). */
  fingerprint(module: string): Promise<CodeFingerprint> {
    let found = this.code.get(module);
    if (found === undefined) {
      const orThrow = (hashed: Result<ContentHash, HashError>): ContentHash => {
        if (!hashed.ok) throw new UnhashableError(hashed.error);
        return hashed.value;
      };
      found = fingerprintCode(path.join(this.root, module), this.root, {
        file: async (abs) => orThrow(await this.stats.hashFile(abs)),
        folder: async (abs) => orThrow(await this.stats.hashPath(abs)),
      });
      this.code.set(module, found);
    }
    return found;
  }

  /**
   * The key of `stage` given the entry each upstream stage resolved to, by pipeline stage name (a
   * variant's name for variants). Every upstream stage the stage depends on must be in `upstream`
   * (the caller walks the graph in order).
   */
  async keyOf(stage: StageSpec, upstream: ReadonlyMap<string, CacheEntry>): Promise<Result<ResolvedKey, UnhashableInput>> {
    const inputs: Record<string, { ref: string; hash: ContentHash }> = {};
    for (const dep of stage.deps) {
      if (dep.kind === "output") {
        const entry = upstream.get(dep.from);
        const output = entry?.manifest.outputs[dep.out];
        if (output === undefined) throw new Error(`internal: ${stage.name} resolved before ${dep.from}:${dep.out}`);
        // A fan-in member names its variant: adding or changing one says which.
        inputs[dep.name] = { ref: `${dep.member === undefined ? dep.stage : dep.from}:${dep.out}`, hash: output.hash };
      } else {
        const hashed = await this.stats.hashPath(path.join(this.root, dep.path));
        if (!hashed.ok) return err({ reason: "unhashable", error: hashed.error });
        inputs[dep.name] = { ref: dep.path, hash: hashed.value };
      }
    }
    let code: CodeFingerprint;
    try {
      code = await this.fingerprint(stage.module);
    } catch (error) {
      if (error instanceof UnhashableError) return err({ reason: "unhashable", error: error.error });
      throw error;
    }
    // The base name, not the variant's: a variant and the plain stage with the same params are one entry.
    const env = Object.fromEntries(stage.env.map((name) => [name, process.env[name] ?? null]));
    const keyInputs = makeKeyInputs({ stage: stage.base, module: stage.module, params: stage.params, seed: stage.seed, code, inputs, outs: stage.outs, env });
    return ok({ key: stageKey(keyInputs), inputs: keyInputs });
  }
}

/** Carries a HashError out of the import walk, which hashes as it goes. */
class UnhashableError extends Error {
  constructor(readonly error: HashError) {
    super(`${error.path}: ${error.detail}`);
  }
}
