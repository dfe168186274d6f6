// Opens a project: loads and checks the pipeline file, then the cache store and stat cache beside it.
import path from "node:path";
import { CacheStore } from "../cache/store.js";
import { StatCache } from "../cache/stat-cache.js";
import type { Result } from "../cache/result.js";
import { err, ok } from "../cache/result.js";
import type { ConfigError } from "./config/config-error.js";
import { loadPipeline } from "./config/load-pipeline.js";
import type { Pipeline } from "./pipeline.js";
import { linkSpaceOf, type LinkSpace } from "./artifact-links.js";
import { InputHasher } from "./input-hashing.js";

/** Everything a command needs about one project. */
export interface Project {
  /** The working folder `dag` runs in; every relative path in the pipeline file resolves here. */
  readonly root: string;
  /** `<root>/.dag`: the cache store, stat cache, lock and logs. */
  readonly dagDir: string;
  readonly pipeline: Pipeline;
  readonly store: CacheStore;
  readonly stats: StatCache;
  /** Hashes a stage's inputs and code into its key (once per file per process). */
  readonly hasher: InputHasher;
  /** Where this pipeline file's artifacts/ links live (each file has its own). */
  readonly links: LinkSpace;
}

/**
 * Loads the pipeline file (relative to cwd); config errors come back all at once. The project root
 * is the working folder: module and input paths in any pipeline file (`-f`) resolve against it, and
 * the store lives in its `.dag/`.
 */
export async function openProject(file: string, cwd = process.cwd()): Promise<Result<Project, readonly ConfigError[]>> {
  const absFile = path.resolve(cwd, file);
  const root = path.resolve(cwd);
  const loaded = await loadPipeline(absFile, root);
  if (!loaded.ok) return err(loaded.error);
  const dagDir = path.join(root, ".dag");
  const stats = await StatCache.open(dagDir);
  const store = new CacheStore(dagDir, stats);
  return ok({ root, dagDir, pipeline: loaded.value, store, stats, hasher: new InputHasher(root, stats), links: linkSpaceOf(root, absFile) });
}

/** The same project seen through another pipeline: the file's after `--set` overrides and sweep expansion. */
export function withPipeline(project: Project, pipeline: Pipeline): Project {
  return { ...project, pipeline };
}
