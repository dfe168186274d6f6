// Prints `dag gc --remote`: the entries removed (or that would be), the loose files, and the space freed.
import { formatSize } from "../quantities.js";
import type { RemoteGcPlan } from "../sync/remote-gc.js";

export function remoteGcText(plan: RemoteGcPlan, dryRun: boolean, remote: string, lockFile: string): string {
  const lines = plan.entries.map((e) => `${dryRun ? "would remove" : "removed"} ${e.stage} ${e.key.slice(0, 10)}`);
  const loose = plan.blobs.length + plan.orphans.length;
  if (loose > 0) lines.push(`${dryRun ? "would remove" : "removed"} ${loose} file${loose === 1 ? "" : "s"} no kept entry uses`);
  const { count } = plan.incomplete;
  if (count > 0) lines.push(`${dryRun ? "would remove" : "removed"} ${count} unfinished upload${count === 1 ? "" : "s"} of killed pushes`);
  lines.push(
    `${remote}: ${dryRun ? "would free" : "freed"} ${formatSize(plan.freedBytes)}; kept ${plan.keptEntries} ${plan.keptEntries === 1 ? "entry" : "entries"} (what the pipeline resolves to here, its links and ${lockFile} reach)`,
  );
  return lines.join("\n") + "\n";
}
