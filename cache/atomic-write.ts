// Atomic file replacement: write a temporary sibling, flush it, rename it over the target.
import { randomBytes } from "node:crypto";
import { open, rename, rm } from "node:fs/promises";
import path from "node:path";

const TEMP_SUFFIX = ".dag-tmp";

/** The name pattern of the temporary siblings, so a sweep can remove those a crash left behind. */
export function isAtomicTempName(name: string): boolean {
  return name.startsWith(".") && name.endsWith(TEMP_SUFFIX);
}

/** A fresh temporary sibling path for `target` (hidden, same folder, so a rename stays atomic). */
export function tempSiblingPath(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.${randomBytes(6).toString("hex")}${TEMP_SUFFIX}`);
}

/**
 * Replaces `target` with `data` so that readers see either the old or the new file, never a torn
 * one: the data goes to a temporary sibling, is flushed to disk, then renamed over the target.
 * Concurrent writers race to the last rename. The folder of `target` must exist.
 */
export async function writeFileAtomic(target: string, data: string | Uint8Array): Promise<void> {
  const temp = tempSiblingPath(target);
  try {
    const handle = await open(temp, "wx");
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
