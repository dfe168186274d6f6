// `dag gc --remote`'s plan and its removal: entries no longer reached (by today's resolution, the lock, or a link) go manifest first, then the blobs no kept entry lists.
import type { StageKey } from "../../cache/digest.js";
import { err, ok, type Result } from "../../schemas/result.js";
import type { Remote, RemoteError, RemoteObject } from "../../remote/remote.js";
import { entryPrefix, filesName, logName, manifestName, parseManifestName, type FileList } from "./remote-layout.js";

/** A blob younger than this is never removed: a push running now may have uploaded it and not yet its manifest. */
export const BLOB_GRACE_MS = 60 * 60 * 1000;

export interface RemoteGcPlan {
  /** Entries to remove, with the bytes of their objects besides blobs. */
  readonly entries: readonly { readonly stage: string; readonly key: StageKey }[];
  /** Blobs no kept entry lists (older than the grace period). */
  readonly blobs: readonly RemoteObject[];
  /** Objects of entries whose manifest never arrived (a killed push), older than the grace period. */
  readonly orphans: readonly RemoteObject[];
  readonly keptEntries: number;
  readonly freedBytes: number;
  /** Uploads a killed push left unfinished, older than the grace period (removed by the sweep itself). */
  readonly incomplete: { readonly count: number; readonly bytes: number };
}

/** Plans what to remove (reads only): `keep` holds `stage\0key` of every reachable entry. */
export async function planRemoteGc(remote: Remote, keep: ReadonlySet<string>, now = Date.now()): Promise<Result<RemoteGcPlan, RemoteError>> {
  const incomplete = await remote.sweepIncomplete(now - BLOB_GRACE_MS, true);
  if (!incomplete.ok) return incomplete;
  const listed = await remote.list("entries/");
  if (!listed.ok) return listed;
  const manifests = listed.value.flatMap((o) => {
    const id = parseManifestName(o.name);
    return id === undefined ? [] : [id];
  });
  const withManifest = new Set(manifests.map((m) => entryPrefix(m.stage, m.key)));
  const entries = manifests.filter((m) => !keep.has(`${m.stage}\0${m.key}`));
  const gone = new Set(entries.map((m) => entryPrefix(m.stage, m.key)));
  const prefixOf = (name: string): string => name.split("/").slice(0, 3).join("/") + "/";
  const orphans = listed.value.filter((o) => !withManifest.has(prefixOf(o.name)) && now - o.modified > BLOB_GRACE_MS);
  const referenced = new Set<string>();
  for (const m of manifests) {
    if (gone.has(entryPrefix(m.stage, m.key))) continue;
    const text = await remote.readText(filesName(m.stage, m.key));
    if (!text.ok) return text;
    // A kept entry whose file list cannot be read protects nothing it names, and nothing is lost: it is already unusable.
    try {
      for (const rows of Object.values(JSON.parse(text.value ?? "{}") as FileList)) for (const [, hash] of rows) referenced.add(hash.slice("sha256:".length));
    } catch {
      continue;
    }
  }
  const blobsListed = await remote.list("blobs/");
  if (!blobsListed.ok) return blobsListed;
  const blobs = blobsListed.value.filter((o) => !referenced.has(o.name.split("/").pop() ?? "") && now - o.modified > BLOB_GRACE_MS);
  const entryBytes = listed.value.filter((o) => gone.has(prefixOf(o.name))).reduce((s, o) => s + o.size, 0);
  const freedBytes = entryBytes + [...blobs, ...orphans].reduce((s, o) => s + o.size, 0);
  return ok({ entries, blobs, orphans, keptEntries: manifests.length - entries.length, freedBytes: freedBytes + incomplete.value.bytes, incomplete: incomplete.value });
}

/** Carries a plan out: each entry's manifest first (it stops existing at once), then its other objects, then the blobs. */
export async function applyRemoteGc(remote: Remote, plan: RemoteGcPlan): Promise<Result<void, RemoteError>> {
  for (const { stage, key } of plan.entries) {
    const removed = await remote.remove([manifestName(stage, key)]);
    if (!removed.ok) return removed;
    const rest = await remote.remove([filesName(stage, key), logName(stage, key)]);
    if (!rest.ok) return rest;
  }
  const loose = await remote.remove([...plan.orphans, ...plan.blobs].map((o) => o.name));
  if (!loose.ok) return err(loose.error);
  const swept = await remote.sweepIncomplete(Date.now() - BLOB_GRACE_MS, false);
  return swept.ok ? ok(undefined) : err(swept.error);
}
