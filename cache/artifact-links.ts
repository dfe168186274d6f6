// The "current" entry of each stage: the artifacts/<stage> symlink and the .dag/current/<stage> record.
import { lstat, mkdir, readdir, readFile, rename, rm, symlink } from "node:fs/promises";
import path from "node:path";
import { writeFileAtomic, tempSiblingPath } from "./atomic-write.js";
import { parseStageKey, type StageKey } from "./digest.js";
import { artifactLinkOf, assertLinkName, cacheLayout, isValidLinkName } from "./layout.js";
import { err, ok, type Result } from "./result.js";

/** Why artifacts/<stage> could not be pointed at an entry. */
export interface SetCurrentError {
  readonly reason: "not-a-link";
  /** The path in the way (absolute). */
  readonly path: string;
  readonly detail: string;
}

/**
 * Makes `<root>/artifacts/<name>` (a stage's or a variant's link) a relative symlink to `outDir` (an entry's `outs/` folder),
 * swapped atomically: a temporary link is renamed over the old one, so readers never find it
 * missing. A real file or folder in its place is never deleted: that is an error value.
 * Returns the link's path.
 */
export async function linkArtifacts(root: string, name: string, outDir: string): Promise<Result<string, SetCurrentError>> {
  const link = artifactLinkOf(root, name);
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

/** Records `key` as the current entry of link `name` (a stage, or a variant's link) in `<dagDir>/current/<name>` (atomic write). */
export async function writeCurrentKey(dagDir: string, name: string, key: StageKey): Promise<void> {
  assertLinkName(name);
  const folder = cacheLayout(dagDir).currentDir;
  await mkdir(folder, { recursive: true });
  await writeFileAtomic(path.join(folder, name), `${key}\n`);
}

/** The key recorded as current for link `name`, or undefined when there is none (or it is unreadable). */
export async function readCurrentKey(dagDir: string, name: string): Promise<StageKey | undefined> {
  assertLinkName(name);
  let text: string;
  try {
    text = await readFile(path.join(cacheLayout(dagDir).currentDir, name), "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  const key = parseStageKey(text.trim());
  return key.ok ? key.value : undefined;
}

/** Every current record in `<dagDir>/current/`: link name → key (unreadable records left out). */
export async function readCurrentKeys(dagDir: string): Promise<Map<string, StageKey>> {
  const folder = cacheLayout(dagDir).currentDir;
  let names: string[];
  try {
    names = await readdir(folder);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return new Map();
    throw error;
  }
  const found = new Map<string, StageKey>();
  for (const name of names.filter(isValidLinkName).sort()) {
    const key = await readCurrentKey(dagDir, name);
    if (key !== undefined) found.set(name, key);
  }
  return found;
}

/**
 * Forgets link `name`: removes `<root>/artifacts/<name>` when it is a symlink (a real file or folder
 * there is left alone) and the record `<dagDir>/current/<name>`.
 */
export async function unlinkArtifacts(root: string, dagDir: string, name: string): Promise<void> {
  const link = artifactLinkOf(root, name);
  if ((await notALink(link)) === undefined) await rm(link, { force: true });
  await rm(path.join(cacheLayout(dagDir).currentDir, name), { force: true });
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
