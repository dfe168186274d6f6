// `dag pull`'s work: walks the pipeline in order, downloading each stage's missing entry from the remote, so downstream keys can be known from the upstream entries just pulled.
import type { CacheEntry } from "../../cache/cache-entry.js";
import type { Remote, RemoteError } from "../../remote/remote.js";
import { resolveStage } from "../dag-walk.js";
import type { Project } from "../project.js";
import { downloadEntry, remoteEntrySize } from "./entry-download.js";
import { isFatal, type TransferSummary } from "./push-entries.js";
import { parseManifestName } from "./remote-layout.js";
import type { EmitTransfer } from "./transfer-events.js";

/** Downloads one entry with its progress; the outcome as an event. Returns the entry, or the fatal remote error. */
async function pullOne(project: Project, remote: Remote, stage: string, key: CacheEntry["key"], shown: string, emit: EmitTransfer): Promise<{ entry?: CacheEntry; fatal?: RemoteError; failed?: boolean; absent?: boolean }> {
  const size = await remoteEntrySize(remote, stage, key);
  if (!size.ok) return { fatal: size.error };
  if (size.value === undefined) return { absent: true };
  emit({ type: "transfer-expect", bytes: size.value });
  const got = await downloadEntry(remote, project.store, stage, key, (n) => emit({ type: "transfer-bytes", bytes: n }));
  if (got.ok) {
    emit({ type: "entry-done", stage: shown, key, sent: true, bytes: size.value, shared: 0 });
    return { entry: got.value };
  }
  switch (got.error.reason) {
    case "absent":
      return { absent: true };
    case "remote":
      if (isFatal(got.error.error)) return { fatal: got.error.error };
      emit({ type: "entry-failed", stage: shown, key, message: `${got.error.error.action}: ${got.error.error.detail}` });
      return { failed: true };
    case "damaged":
      emit({ type: "entry-failed", stage: shown, key, message: `the remote copy is damaged (${got.error.detail}); it was not used` });
      return { failed: true };
    case "write-failed":
      emit({ type: "entry-failed", stage: shown, key, message: `cannot write ${got.error.failure.path}: ${got.error.failure.detail}` });
      return { failed: true };
  }
}

/** Pulls what `stages` (topological order, upstream included) resolve to and the remote has. Call under the run lock. */
export async function pullStages(project: Project, remote: Remote, stages: readonly string[], remoteName: string, emit: EmitTransfer, signal?: AbortSignal): Promise<TransferSummary> {
  emit({ type: "transfer-start", direction: "pull", remote: remoteName, entries: stages.length, bytes: 0 });
  const resolved = new Map<string, CacheEntry>();
  let moved = 0;
  let failed = 0;
  let fatal: RemoteError | undefined;
  for (const name of stages) {
    if (signal?.aborted === true) break;
    const spec = project.pipeline.stages.get(name);
    if (spec === undefined) continue;
    const resolution = await resolveStage(project, spec, resolved, "repair");
    if (resolution.kind === "waiting") {
      emit({ type: "entry-unavailable", stage: name, why: `not pulled: upstream ${resolution.upstream.join(", ")} is neither here nor in the remote` });
      continue;
    }
    if (resolution.kind === "unhashable") {
      emit({ type: "entry-unavailable", stage: name, why: `not pulled: cannot read ${resolution.error.path} (${resolution.error.detail})` });
      continue;
    }
    if (resolution.kind === "cached") {
      resolved.set(name, resolution.entry);
      emit({ type: "entry-done", stage: name, key: resolution.key, sent: false, bytes: 0, shared: 0 });
      continue;
    }
    const pulled = await pullOne(project, remote, spec.base, resolution.key, name, emit);
    if (pulled.fatal !== undefined) {
      fatal = pulled.fatal;
      failed += 1;
      break;
    }
    if (pulled.absent) emit({ type: "entry-unavailable", stage: name, why: `not in the remote (${resolution.key.slice(0, 10)}); dag run computes it` });
    if (pulled.failed) failed += 1;
    if (pulled.entry !== undefined) {
      moved += 1;
      resolved.set(name, pulled.entry);
    }
  }
  emit({ type: "transfer-end" });
  return { moved, failed, fatal };
}

/** Pulls every entry the remote holds of the pipeline's stages (`--all`) that is not here. Call under the run lock. */
export async function pullAll(project: Project, remote: Remote, remoteName: string, emit: EmitTransfer, signal?: AbortSignal): Promise<TransferSummary> {
  const listed = await remote.list("entries/");
  if (!listed.ok) return { moved: 0, failed: 1, fatal: listed.error };
  const bases = new Set([...project.pipeline.stages.values()].map((s) => s.base));
  const wanted = listed.value.flatMap((o) => {
    const id = parseManifestName(o.name);
    return id !== undefined && bases.has(id.stage) ? [id] : [];
  });
  emit({ type: "transfer-start", direction: "pull", remote: remoteName, entries: wanted.length, bytes: 0 });
  let moved = 0;
  let failed = 0;
  let fatal: RemoteError | undefined;
  for (const { stage, key } of wanted) {
    if (signal?.aborted === true) break;
    const here = await project.store.lookup(stage, key);
    if (here.ok) {
      emit({ type: "entry-done", stage, key, sent: false, bytes: 0, shared: 0 });
      continue;
    }
    const pulled = await pullOne(project, remote, stage, key, stage, emit);
    if (pulled.fatal !== undefined) {
      fatal = pulled.fatal;
      failed += 1;
      break;
    }
    if (pulled.failed) failed += 1;
    if (pulled.entry !== undefined) moved += 1;
  }
  emit({ type: "transfer-end" });
  return { moved, failed, fatal };
}
