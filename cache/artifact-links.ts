// The "current" entry of each stage: the artifacts/<stage> symlink and the .dag/current/<stage> record.
import { lstat, mkdir, readFile, rename, rm, symlink } from "node:fs/promises";
import path from "node:path";
import { writeFileAtomic, tempSiblingPath } from "./atomic-write.js";
import { parseStageKey, type StageKey } from "./digest.js";
import { artifactLinkOf, assertStageName, cacheLayout } from "./layout.js";
import { err, ok, type Result } from "./result.js";

/** Why artifacts/<stage> could not be pointed at an entry. */
export interface SetCurrentError {
  readonly reason: "not-a-link";
  /** The path in the way (absolute). */
  readonly path: string;
  readonly detail: string;
}

/**
 * Makes `<root>/artifacts/<stage>` a relative symlink to `outDir` (an entry's `outs/` folder),
 * swapped atomically: a temporary link is renamed over the old one, so readers never find it
 * missing. A real file or folder in its place is never deleted: that is an error value.
 * Returns the link's path.
 */
export async function linkArtifacts(root: string, stage: string, outDir: string): Promise<Result<string, SetCurrentError>> {
  const link = artifactLinkOf(root, stage);
  await mkdir(path.dirname(link), { recursive: true });
  const inTheWay = await notALink(link);
  if (inTheWay) return err(inTheWay);
  const temp = tempSiblingPath(link);
  await symlink(path.relative(path.dirname(link), outDir), temp, "dir");
  try {
    await rename(temp, link);
  } catch (error) {
    await rm(temp, { force: true });
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EISDIR" || code === "ENOTEMPTY" || code === "EEXIST" || code === "ENOTDIR") {
      return err((await notALink(link)) ?? { reason: "not-a-link", path: link, detail: `it cannot be replaced (${code})` });
    }
    throw error;
  }
  return ok(link);
}

/** Records `key` as the current entry of `stage` in `<dagDir>/current/<stage>` (atomic write). */
export async function writeCurrentKey(dagDir: string, stage: string, key: StageKey): Promise<void> {
  assertStageName(stage);
  const folder = cacheLayout(dagDir).currentDir;
  await mkdir(folder, { recursive: true });
  await writeFileAtomic(path.join(folder, stage), `${key}\n`);
}

/** The key recorded as current for `stage`, or undefined when there is none (or it is unreadable). */
export async function readCurrentKey(dagDir: string, stage: string): Promise<StageKey | undefined> {
  assertStageName(stage);
  let text: string;
  try {
    text = await readFile(path.join(cacheLayout(dagDir).currentDir, stage), "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  const key = parseStageKey(text.trim());
  return key.ok ? key.value : undefined;
}

async function notALink(link: string): Promise<SetCurrentError | undefined> {
  let stats;
  try {
    stats = await lstat(link);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  if (stats.isSymbolicLink()) return undefined;
  const what = stats.isDirectory() ? "a real folder" : "a real file";
  return {
    reason: "not-a-link",
    path: link,
    detail: `it is ${what}, not the link dag manages; move it away (dag never deletes your files)`,
  };
}
