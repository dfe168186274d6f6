// The artifacts/ links of one pipeline file: each stage's (and variant's) symlink to the outputs of its entry, swapped atomically.
import { lstat, mkdir, readdir, readlink, rename, rm, symlink } from "node:fs/promises";
import { createHash } from "node:crypto";
import path from "node:path";
import { tempSiblingPath } from "../cache/atomic-write.js";
import type { CacheEntry } from "../cache/cache-entry.js";
import type { StageKey } from "../cache/digest.js";
import { parseFolderName } from "../cache/entry-folders.js";
import { assertLinkName, isValidLinkName } from "../cache/layout.js";
import { err, ok, type Result } from "../cache/result.js";
import { tryWrite, type WriteFailure } from "../cache/write-failure.js";

/**
 * Where one pipeline file's links live. `pipeline.yaml` at the project root owns `artifacts/`;
 * any other file (`-f experiments/sweep.yaml`) owns `artifacts/@experiments/sweep.yaml/`, so a run
 * of one file never re-points another's links (no stage name starts with "@").
 */
export interface LinkSpace {
  /** The project root. */
  readonly root: string;
  /** The folder holding the links (absolute). */
  readonly dir: string;
  /** The folder as shown to users, relative to the root, e.g. `artifacts` or `artifacts/@experiments/sweep.yaml`. */
  readonly shown: string;
}

/** Why a link could not be pointed at an entry. */
export type LinkError =
  | { readonly reason: "not-a-link"; readonly path: string; readonly detail: string }
  | WriteFailure;

/** What a link points at now. */
export type LinkTarget =
  | { readonly state: "none" }
  /** Into the store: the outputs of an entry folder of `stage` for `key` (which may no longer exist: see `dir`). */
  | { readonly state: "entry"; readonly stage: string; readonly key: StageKey; readonly folder: string; readonly entryDir: string }
  /** Somewhere dag did not put it, or a real file or folder in its place. */
  | { readonly state: "foreign"; readonly detail: string };

/** The link space of the pipeline file `file` (absolute) in the project at `root`. */
export function linkSpaceOf(root: string, file: string): LinkSpace {
  const artifacts = path.join(root, "artifacts");
  const relative = path.relative(root, file);
  if (relative === "pipeline.yaml") return { root, dir: artifacts, shown: "artifacts" };
  const inside = !relative.startsWith("..") && !path.isAbsolute(relative);
  const parts = inside
    ? relative.split(path.sep)
    : [`${path.basename(file)}~${createHash("sha256").update(path.resolve(file)).digest("hex").slice(0, 8)}`];
  const dir = path.join(artifacts, `@${parts[0]}`, ...parts.slice(1));
  return { root, dir, shown: path.relative(root, dir).split(path.sep).join("/") };
}

/** `<space>/<name>` (absolute): the link of a stage (`ridge`) or of a variant (`ridge@alpha=0.01`). */
export function linkPath(space: LinkSpace, name: string): string {
  assertLinkName(name);
  return path.join(space.dir, name);
}

/**
 * Makes link `name` a relative symlink to `entry`'s `outs/`, swapped atomically: a temporary link
 * is renamed over the old one, so readers never find it missing. A real file or folder in its
 * place is never deleted: that is an error value, and so is a link that cannot be written (a full
 * disk). Returns the link's path.
 */
export async function linkEntry(space: LinkSpace, name: string, entry: CacheEntry): Promise<Result<string, LinkError>> {
  return linkAt(space.root, linkPath(space, name), entry);
}

/**
 * The same for the link at `link` (absolute, e.g. from allLinks) in the project at `root`. The new
 * link is made in `.dag/tmp/` (where a killed run's leftovers are swept) and renamed into place;
 * where artifacts/ is on another disk, beside the link.
 */
export async function linkAt(root: string, link: string, entry: CacheEntry): Promise<Result<string, LinkError>> {
  const inTheWay = await notALink(link);
  if (inTheWay) return err(inTheWay);
  const tmpDir = path.join(root, ".dag", "tmp");
  let temp = tempSiblingPath(path.join(tmpDir, `link-${path.basename(link)}`));
  const target = path.relative(path.dirname(link), entry.outDir);
  const made = await tryWrite(link, async () => {
    await mkdir(path.dirname(link), { recursive: true });
    await mkdir(tmpDir, { recursive: true });
    await symlink(target, temp, "dir");
  });
  if (!made.ok) return made;
  try {
    try {
      await rename(temp, link);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EXDEV") throw error;
      await rm(temp, { force: true });
      temp = tempSiblingPath(link);
      await symlink(target, temp, "dir");
      await rename(temp, link);
    }
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

/** Where link `name` points: an entry folder of the store, nothing, or something dag did not put there. */
export async function readLinkTarget(space: LinkSpace, name: string): Promise<LinkTarget> {
  return targetOf(space.root, linkPath(space, name));
}

/** Every link of the space: name → target (names that are not links dag could have made are left out). */
export async function readLinks(space: LinkSpace): Promise<Map<string, LinkTarget>> {
  const found = new Map<string, LinkTarget>();
  for (const name of (await namesIn(space.dir)).filter(isValidLinkName).sort()) {
    const target = await targetOf(space.root, path.join(space.dir, name));
    if (target.state === "entry") found.set(name, target);
  }
  return found;
}

/** `<root>/artifacts/` and every pipeline file's link folder below it. */
export async function linkFolders(root: string): Promise<string[]> {
  const folders: string[] = [];
  const walk = async (dir: string, depth: number): Promise<void> => {
    folders.push(dir);
    for (const name of (await namesIn(dir)).sort()) {
      if (depth === 0 && !name.startsWith("@")) continue;
      const abs = path.join(dir, name);
      const stats = await lstat(abs).catch(() => undefined);
      if (stats?.isDirectory()) await walk(abs, depth + 1);
    }
  };
  await walk(path.join(root, "artifacts"), 0);
  return folders;
}

/** Every link into the store below `<root>/artifacts/`, in every pipeline file's space: its path and target. */
export async function allLinks(root: string): Promise<{ readonly path: string; readonly target: Extract<LinkTarget, { state: "entry" }> }[]> {
  const found: { path: string; target: Extract<LinkTarget, { state: "entry" }> }[] = [];
  for (const folder of await linkFolders(root)) {
    for (const name of (await namesIn(folder)).filter(isValidLinkName).sort()) {
      const target = await targetOf(root, path.join(folder, name));
      if (target.state === "entry") found.push({ path: path.join(folder, name), target });
    }
  }
  return found;
}

/** Removes the symlink at `link` (absolute); a real file or folder there is left alone. */
export async function removeLinkAt(link: string): Promise<void> {
  if ((await notALink(link)) === undefined) await rm(link, { force: true });
}

async function targetOf(root: string, link: string): Promise<LinkTarget> {
  let text: string;
  try {
    text = await readlink(link);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return { state: "none" };
    if (code === "EINVAL") return { state: "foreign", detail: "a real file or folder, not a link" };
    throw error;
  }
  const target = path.resolve(path.dirname(link), text);
  const relative = path.relative(path.join(root, ".dag", "entries"), target).split(path.sep);
  const [stage, folder, outs] = relative;
  const parsed = folder === undefined ? undefined : parseFolderName(folder);
  if (relative.length !== 3 || outs !== "outs" || stage === undefined || stage.startsWith("..") || parsed === undefined) {
    return { state: "foreign", detail: `a link to ${target}` };
  }
  return { state: "entry", stage, key: parsed.key, folder: folder as string, entryDir: path.dirname(target) };
}

async function notALink(link: string): Promise<Extract<LinkError, { reason: "not-a-link" }> | undefined> {
  let stats;
  try {
    stats = await lstat(link);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  if (stats.isSymbolicLink()) return undefined;
  const what = stats.isDirectory() ? "a real folder" : "a real file";
  return { reason: "not-a-link", path: link, detail: `it is ${what}, not the link dag manages; move it away (dag never deletes your files)` };
}

async function namesIn(folder: string): Promise<string[]> {
  try {
    return await readdir(folder);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return [];
    throw error;
  }
}
