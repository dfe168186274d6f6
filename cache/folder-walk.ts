// Lists every file below a folder for hashing: follows symbolic links, skips only symlink loops.
import type { Dirent } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import { hashErrorOf, type HashError } from "./digest.js";
import { err, ok, type Result } from "./result.js";

/** A file found below the walked folder. */
export interface WalkedFile {
  /** Path relative to the walked folder, "/"-separated. */
  readonly relPath: string;
  /** Absolute path as reached through the walk (symbolic links not resolved). */
  readonly absPath: string;
}

/**
 * Every regular file below `absDir`, in no particular order. Symbolic links are followed (a linked
 * file or folder counts as if it were there), hidden files count too. Nothing is skipped except a
 * symbolic link that leads back into one of its own ancestor folders (a loop) or to itself. A
 * dangling link is an error ("missing"), and so are sockets, FIFOs and devices ("unsupported"):
 * a dependency's hash must cover everything a stage could read.
 */
export async function listFolderFiles(absDir: string): Promise<Result<WalkedFile[], HashError>> {
  const files: WalkedFile[] = [];
  let rootId: string;
  try {
    rootId = folderId(await stat(absDir, { bigint: true }));
  } catch (error) {
    return err(hashErrorOf(absDir, error));
  }
  const walked = await walk(absDir, "", new Set([rootId]), files);
  return walked.ok ? ok(files) : walked;
}

function folderId(stats: { dev: bigint; ino: bigint }): string {
  return `${stats.dev}:${stats.ino}`;
}

async function walk(absDir: string, relDir: string, ancestors: ReadonlySet<string>, files: WalkedFile[]): Promise<Result<void, HashError>> {
  let dirents: Dirent[];
  try {
    dirents = await readdir(absDir, { withFileTypes: true });
  } catch (error) {
    return err(hashErrorOf(absDir, error));
  }
  for (const dirent of dirents) {
    const absPath = path.join(absDir, dirent.name);
    const relPath = relDir === "" ? dirent.name : `${relDir}/${dirent.name}`;
    if (dirent.isFile()) {
      files.push({ relPath, absPath });
      continue;
    }
    if (!dirent.isDirectory() && !dirent.isSymbolicLink()) {
      return err({ reason: "unsupported", path: absPath, detail: "not a regular file or folder (socket, FIFO or device)" });
    }
    let target;
    try {
      target = await stat(absPath, { bigint: true });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ELOOP") continue;
      if (code === "ENOENT" && dirent.isSymbolicLink()) {
        return err({ reason: "missing", path: absPath, detail: "dangling symbolic link" });
      }
      return err(hashErrorOf(absPath, error));
    }
    if (target.isFile()) {
      files.push({ relPath, absPath });
    } else if (target.isDirectory()) {
      const id = folderId(target);
      if (ancestors.has(id)) continue;
      const inner = await walk(absPath, relPath, new Set([...ancestors, id]), files);
      if (!inner.ok) return inner;
    } else {
      return err({ reason: "unsupported", path: absPath, detail: "not a regular file or folder (socket, FIFO or device)" });
    }
  }
  return ok(undefined);
}
