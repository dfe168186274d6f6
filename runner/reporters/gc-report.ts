// Prints `dag gc`: what was (or would be) removed, the space freed, and why the rest stayed.
import type { GcPlan, KeepReason } from "../gc-plan.js";
import { showParamValue } from "../param-values.js";
import { formatAge, formatSize } from "../quantities.js";
import type { LockHolder } from "../../cache/lock.js";
import { lockWaitText } from "./lock-text.js";
import { SHORT_KEY } from "./runs-table.js";

const KEPT: Record<KeepReason, string> = {
  resolved: "the pipeline resolves to",
  linked: "behind artifacts/ links",
  "keep-last": "kept by --keep-last",
  newer: "newer than --older-than",
  "within-size": "within --max-size",
};

/** The gc summary; `describe` gives an entry's distinguishing params (`alpha=0.1`) by `stage\0key`. */
export function gcText(plan: GcPlan, dryRun: boolean, describe: (stage: string, key: string) => Readonly<Record<string, unknown>>, now = Date.now(), maxSize?: number): string {
  const lines: string[] = [];
  const verb = dryRun ? "would remove" : "removed";
  const n = plan.remove.length;
  const after = plan.totalBytes - plan.freedBytes;
  lines.push(
    n === 0
      ? `nothing to remove (store: ${formatSize(plan.totalBytes)})`
      : `${verb} ${n} ${n === 1 ? "entry" : "entries"}, freeing ${formatSize(plan.freedBytes)} (store: ${formatSize(plan.totalBytes)} → ${formatSize(after)})${dryRun ? ":" : ""}`,
  );
  if (dryRun || n <= 50) {
    const rows = plan.remove.map(({ entry, bytes }) => {
      const params = Object.entries(describe(entry.stage, entry.key))
        .map(([k, v]) => `${k}=${showParamValue(v)}`)
        .join(" ");
      return [entry.stage, entry.key.slice(0, SHORT_KEY), formatSize(bytes), formatAge(entry.manifest.createdAt, now), params];
    });
    const widths = [0, 1, 2, 3].map((i) => Math.max(0, ...rows.map((r) => (r[i] as string).length)));
    for (const r of rows) {
      lines.push(`  ${(r[0] as string).padEnd(widths[0] as number)}  ${(r[1] as string).padEnd(widths[1] as number)}  ${(r[2] as string).padStart(widths[2] as number)}  ${(r[3] as string).padEnd(widths[3] as number)}  ${r[4]}`.trimEnd());
    }
  }
  const counts = new Map<KeepReason, number>();
  for (const kept of plan.keep) counts.set(kept.why, (counts.get(kept.why) ?? 0) + 1);
  if (plan.keep.length > 0) {
    const parts = [...counts].map(([why, count]) => `${count} ${KEPT[why]}`);
    lines.push(`kept ${plan.keep.length} ${plan.keep.length === 1 ? "entry" : "entries"}: ${parts.join(", ")}`);
  }
  if (maxSize !== undefined && after > maxSize) {
    // Say why the target is out of reach: gc only removes what nothing needs, and the rest is bigger than the target.
    const bytes = new Map<KeepReason, number>();
    for (const kept of plan.keep) bytes.set(kept.why, (bytes.get(kept.why) ?? 0) + kept.bytes);
    const why = [...bytes].sort((a, b) => b[1] - a[1]).map(([reason, size]) => `${formatSize(size)} ${KEPT[reason]}`);
    lines.push(
      `cannot reach --max-size ${formatSize(maxSize)}: the store ${dryRun ? "would stay" : "stays"} at ${formatSize(after)}, all of it kept: ${why.join(", ")}. ` +
        `gc removes only entries nothing needs; to go lower, loosen --keep-last or --older-than, or drop variants from the pipeline and its sweep`,
    );
  }
  return lines.join("\n") + "\n";
}

/** The line printed while gc waits for a running `dag run` (`long`: after a long wait, with who holds it and how to clear it). */
export function gcWaitText(holder: LockHolder, long: boolean, lockFile: string): string {
  return lockWaitText(holder, long, lockFile, "gc");
}
