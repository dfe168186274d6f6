// An independent check of a project's store for fault tests: every entry complete, every link resolving to one.
import { createHash } from "node:crypto";
import { existsSync, lstatSync, readdirSync, readFileSync, realpathSync, statSync } from "node:fs";
import path from "node:path";

/** One entry folder below .dag/entries and whether it is complete (its manifest holds, every output matches it). */
export interface EntryCheck {
  readonly stage: string;
  /** The folder's name (the key, or the key with a generation suffix). */
  readonly folder: string;
  /** The key its manifest names; undefined when the manifest is unreadable. */
  readonly key: string | undefined;
  readonly problem: string | undefined;
}

/** One symlink below artifacts/ and the entry folder it resolves into. */
export interface LinkCheck {
  readonly link: string;
  readonly entry: string | undefined;
  readonly problem: string | undefined;
}

export interface StoreCheck {
  readonly entries: readonly EntryCheck[];
  readonly links: readonly LinkCheck[];
  /** `stage:key` of every complete entry. */
  readonly complete: ReadonlySet<string>;
  /** Entries and links with a problem, in words. */
  readonly problems: readonly string[];
}

function sha256(data: Buffer | string): string {
  return `sha256:${createHash("sha256").update(data).digest("hex")}`;
}

/** The content hash dag records for a file or folder (folders: the sorted listing of files and their hashes). */
function digestOf(abs: string): { hash: string; size: number } {
  const stats = statSync(abs);
  if (stats.isFile()) {
    const bytes = readFileSync(abs);
    return { hash: sha256(bytes), size: bytes.length };
  }
  const files: [string, string][] = [];
  let size = 0;
  const walk = (dir: string, rel: string): void => {
    for (const name of readdirSync(dir)) {
      const child = path.join(dir, name);
      const relPath = rel === "" ? name : `${rel}/${name}`;
      if (statSync(child).isDirectory()) walk(child, relPath);
      else {
        const bytes = readFileSync(child);
        files.push([relPath, sha256(bytes)]);
        size += bytes.length;
      }
    }
  };
  walk(abs, "");
  files.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return { hash: sha256(JSON.stringify(["dag-folder-v1", files])), size };
}

function checkEntry(dir: string): { key: string | undefined; problem: string | undefined } {
  let manifest: { key?: string; outputs?: Record<string, { hash: string; size: number }> };
  try {
    manifest = JSON.parse(readFileSync(path.join(dir, "manifest.json"), "utf8")) as typeof manifest;
  } catch (error) {
    return { key: undefined, problem: `manifest.json unreadable (${(error as Error).message})` };
  }
  for (const [output, recorded] of Object.entries(manifest.outputs ?? {})) {
    const file = path.join(dir, "outs", ...output.split("/"));
    if (!existsSync(file)) return { key: manifest.key, problem: `output ${output} missing` };
    const digest = digestOf(file);
    if (digest.hash !== recorded.hash || digest.size !== recorded.size) return { key: manifest.key, problem: `output ${output} does not match its manifest` };
  }
  return { key: manifest.key, problem: undefined };
}

function namesIn(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

/** Checks every entry folder and every artifacts/ link of the project at `root`. */
export function checkStore(root: string): StoreCheck {
  const real = realpathSync(root);
  const entriesDir = path.join(real, ".dag", "entries");
  const entries: EntryCheck[] = [];
  for (const stage of namesIn(entriesDir)) {
    for (const folder of namesIn(path.join(entriesDir, stage))) {
      if (folder.startsWith(".")) continue;
      const { key, problem } = checkEntry(path.join(entriesDir, stage, folder));
      entries.push({ stage, folder, key, problem });
    }
  }
  const byFolder = new Map(entries.map((e) => [path.join(entriesDir, e.stage, e.folder), e]));
  const links: LinkCheck[] = [];
  const walk = (dir: string, rel: string): void => {
    for (const name of namesIn(dir)) {
      const abs = path.join(dir, name);
      const relPath = rel === "" ? name : `${rel}/${name}`;
      const stats = lstatSync(abs);
      if (stats.isSymbolicLink()) {
        let target: string;
        try {
          target = realpathSync(abs);
        } catch {
          links.push({ link: relPath, entry: undefined, problem: `artifacts/${relPath} is dangling` });
          continue;
        }
        const entry = byFolder.get(path.dirname(target));
        if (entry === undefined || path.basename(target) !== "outs") links.push({ link: relPath, entry: undefined, problem: `artifacts/${relPath} points outside the store's entries (${target})` });
        else if (entry.problem !== undefined) links.push({ link: relPath, entry: path.dirname(target), problem: `artifacts/${relPath} points at an incomplete entry (${entry.problem})` });
        else links.push({ link: relPath, entry: path.dirname(target), problem: undefined });
      } else if (stats.isDirectory()) {
        walk(abs, relPath);
      }
    }
  };
  walk(path.join(real, "artifacts"), "");
  const problems = [
    ...entries.filter((e) => e.problem !== undefined).map((e) => `entry ${e.stage}/${e.folder}: ${e.problem}`),
    ...links.flatMap((l) => (l.problem === undefined ? [] : [l.problem])),
  ];
  const complete = new Set(entries.filter((e) => e.problem === undefined && e.key !== undefined).map((e) => `${e.stage}:${e.key}`));
  return { entries, links, complete, problems };
}

/** Every file below a folder with its size and modification time: a fingerprint to tell whether anything changed. */
export function treeSnapshot(dir: string): string[] {
  const out: string[] = [];
  const walk = (abs: string, rel: string): void => {
    for (const name of namesIn(abs)) {
      const child = path.join(abs, name);
      const relPath = rel === "" ? name : `${rel}/${name}`;
      const stats = lstatSync(child);
      if (stats.isDirectory()) {
        out.push(`${relPath}/ ${stats.mode}`);
        walk(child, relPath);
      } else out.push(`${relPath} ${stats.size} ${stats.mtimeMs} ${stats.mode} ${stats.isSymbolicLink() ? "link" : "file"}`);
    }
  };
  walk(dir, "");
  return out;
}
