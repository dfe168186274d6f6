// The key inputs of the entry a stage last resolved to: the "before" side of every stale reason.
import { readLinkTarget } from "./artifact-links.js";
import { asEntryRecord } from "./entry-record.js";
import type { StageSpec } from "./pipeline.js";
import type { Project } from "./project.js";
import type { KeyInputs } from "./stage-key.js";

/**
 * The inputs of the entry a stage last resolved to, to explain in words why it is stale now: the
 * entry its link points at; for a variant never linked yet, the plain stage's; else the stage's
 * newest entry. Read-only.
 */
export async function previousInputs(project: Project, stage: StageSpec): Promise<KeyInputs | undefined> {
  for (const link of new Set([stage.artifact, stage.base])) {
    const target = await readLinkTarget(project.links, link);
    if (target.state !== "entry" || target.stage !== stage.base) continue;
    const found = await project.store.inspect(stage.base, target.key);
    if (found.ok) return asEntryRecord(found.value.manifest.record)?.inputs;
  }
  const all = await project.store.list(stage.base);
  const last = all[all.length - 1];
  return last === undefined ? undefined : asEntryRecord(last.manifest.record)?.inputs;
}
