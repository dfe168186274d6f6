// Which stages `--force` and `--force-upstream` re-run even when cached (pure): the named ones, or the whole selection.
import { matchingStages } from "./graph.js";
import type { Pipeline } from "./pipeline.js";

/** How a run treats cached entries: use them, re-run the stages named on the command line, or re-run everything selected. */
export type ForceMode = "none" | "named" | "upstream";

/**
 * The stages (variant names) to re-run although cached. `named` (`--force`): the stages named as
 * targets or `--until` (each with its variants), upstream stages used from the cache as they are;
 * with no stage named, every selected stage. `upstream` (`--force-upstream`): every selected stage,
 * so the named ones and all they need.
 */
export function forcedStages(p: Pipeline, selected: readonly string[], named: readonly string[], mode: ForceMode): ReadonlySet<string> {
  if (mode === "none") return new Set();
  if (mode === "upstream" || named.length === 0) return new Set(selected);
  return new Set(named.flatMap((name) => matchingStages(p, name)).filter((name) => selected.includes(name)));
}
