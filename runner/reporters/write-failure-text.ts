// The words for a write the store could not make: what, why, and how much space is left on its disk.
import path from "node:path";
import type { WriteFailure } from "../../cache/write-failure.js";
import { formatSize } from "../quantities.js";

/** `cannot write .dag/stat-cache.json: no space left on device (0 B free on its disk)` */
export function writeFailureText(failure: WriteFailure, root: string): string {
  const relative = path.relative(root, failure.path);
  const shown = relative.startsWith("..") || path.isAbsolute(relative) ? failure.path : relative.split(path.sep).join("/");
  const free = failure.freeBytes === undefined ? "" : ` (${formatSize(failure.freeBytes)} free on its disk)`;
  const hint = failure.code === "ENOSPC" || failure.code === "EDQUOT" ? "; free some space (dag gc can help) and run again" : "";
  return `cannot write ${shown}: ${failure.detail}${free}${hint}`;
}
