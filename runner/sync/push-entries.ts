// `dag push`'s work: the entries to send (what the pipeline resolves to, its sweep's, or all), each uploaded unless the remote has it.
import type { CacheEntry } from "../../cache/cache-entry.js";
import type { Remote, RemoteError } from "../../remote/remote.js";
import type { Project } from "../project.js";
import { resolvePipeline } from "../dag-walk.js";
import { uploadEntry } from "./entry-upload.js";
import type { EmitTransfer } from "./transfer-events.js";

export interface TransferSummary {
  readonly moved: number;
  readonly failed: number;
  /** The remote failed in a way that stops everything (unreachable, credentials…): the rest was not tried. */
  readonly fatal: RemoteError | undefined;
}

/** The entries `stages` (topological order) resolve to, read-only, each once; stages without one are reported. */
export async function resolvedEntries(project: Project, stages: readonly string[], emit: EmitTransfer): Promise<CacheEntry[]> {
  const resolved = await resolvePipeline(project, stages);
  const entries = new Map<string, CacheEntry>();
  for (const [name, r] of resolved) {
    if (r.entry !== undefined) entries.set(`${r.entry.stage}\0${r.entry.key}`, r.entry);
    else emit({ type: "entry-unavailable", stage: name, why: r.resolution.kind === "waiting" ? `not cached here (upstream ${r.resolution.upstream.join(", ")} not run yet)` : "not cached here (dag run computes it)" });
  }
  return [...entries.values()];
}

/** Whether a remote failure stops the whole transfer (the next entry would fail the same way). */
export function isFatal(error: RemoteError): boolean {
  return error.reason !== "failed";
}

/** Uploads `entries` (already verified) to `remote`, reporting each. */
export async function pushEntries(project: Project, remote: Remote, entries: readonly CacheEntry[], remoteName: string, emit: EmitTransfer): Promise<TransferSummary> {
  const bytes = entries.reduce((sum, e) => sum + Object.values(e.manifest.outputs).reduce((s, o) => s + o.size, 0), 0);
  emit({ type: "transfer-start", direction: "push", remote: remoteName, entries: entries.length, bytes });
  let moved = 0;
  let failed = 0;
  let fatal: RemoteError | undefined;
  for (const entry of entries) {
    const sent = await uploadEntry(remote, entry, project.stats, (n) => emit({ type: "transfer-bytes", bytes: n }));
    if (sent.ok) {
      if (sent.value.sent) moved += 1;
      emit({ type: "entry-done", stage: entry.stage, key: entry.key, sent: sent.value.sent, bytes: sent.value.bytes, shared: sent.value.shared });
      continue;
    }
    failed += 1;
    if (sent.error.reason === "remote" && isFatal(sent.error.error)) {
      fatal = sent.error.error;
      break;
    }
    emit({ type: "entry-failed", stage: entry.stage, key: entry.key, message: sent.error.reason === "local" ? sent.error.detail : `${sent.error.error.action}: ${sent.error.error.detail}` });
  }
  emit({ type: "transfer-end" });
  return { moved, failed, fatal };
}
