// The key inputs of the entry a stage last resolved to: the "before" side of every stale reason.
import { asEntryRecord } from "./entry-record.js";
import type { Project } from "./project.js";
import type { KeyInputs } from "./stage-key.js";

/** The inputs of the entry a stage last resolved to, to explain in words why it is stale now. */
export async function previousInputs(project: Project, stage: string): Promise<KeyInputs | undefined> {
  const current = await project.store.getCurrent(stage);
  if (current !== undefined) {
    const found = await project.store.lookup(stage, current);
    if (found.ok) return asEntryRecord(found.value.manifest.record)?.inputs;
  }
  const all = await project.store.list(stage);
  const last = all[all.length - 1];
  return last === undefined ? undefined : asEntryRecord(last.manifest.record)?.inputs;
}
