// How long each stage took before: the median of its newest cached entries' durations, for the run's ETAs.
import { asEntryRecord } from "./entry-record.js";
import type { Project } from "./project.js";

/** Entries per stage the estimate looks at, newest first. */
const RECENT = 5;

/** Stage (pipeline-file name) → median seconds of its newest entries; stages never run are absent. Reads manifests only. */
export async function expectedDurations(project: Project, stages: readonly string[]): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  await Promise.all(
    [...new Set(stages)].map(async (stage) => {
      const seconds = (await project.store.list(stage))
        .slice(-RECENT)
        .map((entry) => asEntryRecord(entry.manifest.record)?.seconds)
        .filter((s): s is number => typeof s === "number" && Number.isFinite(s))
        .sort((a, b) => a - b);
      if (seconds.length > 0) out[stage] = seconds[Math.floor(seconds.length / 2)] as number;
    }),
  );
  return out;
}
