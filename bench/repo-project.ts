// A temp project that runs the repo's own stages (for the benchmark and end-to-end tests): stages copied, what they load linked.
import { cpSync, readdirSync, symlinkSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** Top-level entries of the repo a project of its own supplies (or that stages never load). */
const OWN = new Set([".git", ".dag", "artifacts", "stages", "data", "pipeline.yaml", "package.json", "test", "dist", "experiments", "bench"]);

/**
 * Puts the repo's stages into `dir`: `stages/` is copied (dag refuses a module that a symlink
 * leads out of the project), and everything else they load — node_modules, the native kernels,
 * the schemas — is linked from the repo.
 */
export function addRepoStages(dir: string): void {
  cpSync(path.join(REPO, "stages"), path.join(dir, "stages"), { recursive: true });
  for (const name of readdirSync(REPO)) if (!OWN.has(name)) symlinkSync(path.join(REPO, name), path.join(dir, name));
}
