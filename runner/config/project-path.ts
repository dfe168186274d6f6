// Normalises the paths a pipeline file names: workspace paths inside the project, output paths inside a stage's folder.
import path from "node:path";
import { err, ok, type Result } from "../../cache/result.js";

/**
 * A path written in pipeline.yaml (relative to the project root, or absolute) as a normalised
 * project-relative POSIX path; "outside" when it leads out of the project.
 */
export function toProjectPath(root: string, written: string): Result<string, { reason: "outside" }> {
  const absolute = path.resolve(root, written);
  const relative = path.relative(root, absolute);
  if (relative === ".." || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative)) return err({ reason: "outside" });
  return ok(relative === "" ? "." : relative.split(path.sep).join("/"));
}

/** Why an output path is not a relative path inside the stage's output folder. */
export type OutputPathProblem = "absolute" | "parent" | "folder-itself";

/** A declared output as a normalised relative POSIX path (`./a//b.npy` → `a/b.npy`, no trailing slash). */
export function toOutputPath(written: string): Result<string, { reason: OutputPathProblem }> {
  if (written.startsWith("/") || path.isAbsolute(written)) return err({ reason: "absolute" });
  if (written.split(/[/\\]/).includes("..")) return err({ reason: "parent" });
  const normalised = path.posix.normalize(written).replace(/\/+$/, "");
  if (normalised === "." || normalised === "") return err({ reason: "folder-itself" });
  return ok(normalised);
}
