// Plans `dag gc` (pure): which entries stay (reachable, recent, within budget) and which go, with the bytes each frees.
import type { CacheEntry } from "../cache/cache-entry.js";

/** Why gc keeps an entry. */
export type KeepReason = "resolved" | "linked" | "keep-last" | "newer" | "within-size";

/** An entry of the store and its size on disk. */
export interface SizedEntry {
  readonly entry: CacheEntry;
  readonly bytes: number;
}

export interface GcPlan {
  readonly keep: readonly (SizedEntry & { readonly why: KeepReason })[];
  /** Oldest first. */
  readonly remove: readonly SizedEntry[];
  /** Bytes of every entry before gc. */
  readonly totalBytes: number;
  /** Bytes the removals free. */
  readonly freedBytes: number;
}

export interface GcOptions {
  /** `stage\0key` of the entries today's pipeline resolves to. */
  readonly resolved: ReadonlySet<string>;
  /** `stage\0key` of the entries the pipeline's artifacts/ links point at. */
  readonly linked: ReadonlySet<string>;
  /** Keep the N newest entries of every stage as well. */
  readonly keepLast: number;
  /** Remove only entries created more than this many seconds before `now`. */
  readonly olderThan: number | undefined;
  /** Remove, oldest first, only until the store holds at most this many bytes. */
  readonly maxSize: number | undefined;
  readonly now: number;
}

/** The id gc uses for an entry. */
export function entryId(entry: CacheEntry): string {
  return `${entry.stage}\0${entry.key}`;
}

/**
 * Decides what `dag gc` removes from `entries` (oldest first): everything unreachable — not
 * resolved by today's pipeline and sweep, not behind one of its artifacts/ links — except each
 * stage's `keepLast` newest, entries younger than `olderThan`, and with `maxSize` all but the
 * oldest removals needed to get the store down to that size.
 */
export function planGc(entries: readonly SizedEntry[], options: GcOptions): GcPlan {
  const newest = new Set<string>();
  if (options.keepLast > 0) {
    const byStage = new Map<string, SizedEntry[]>();
    for (const sized of entries) byStage.set(sized.entry.stage, [...(byStage.get(sized.entry.stage) ?? []), sized]);
    for (const list of byStage.values()) {
      const sorted = [...list].sort((a, b) => Date.parse(b.entry.manifest.createdAt) - Date.parse(a.entry.manifest.createdAt));
      for (const sized of sorted.slice(0, options.keepLast)) newest.add(entryId(sized.entry));
    }
  }
  const keep: (SizedEntry & { why: KeepReason })[] = [];
  const candidates: SizedEntry[] = [];
  for (const sized of entries) {
    const id = entryId(sized.entry);
    const age = (options.now - Date.parse(sized.entry.manifest.createdAt)) / 1000;
    if (options.resolved.has(id)) keep.push({ ...sized, why: "resolved" });
    else if (options.linked.has(id)) keep.push({ ...sized, why: "linked" });
    else if (newest.has(id)) keep.push({ ...sized, why: "keep-last" });
    else if (options.olderThan !== undefined && !(age > options.olderThan)) keep.push({ ...sized, why: "newer" });
    else candidates.push(sized);
  }
  candidates.sort((a, b) => Date.parse(a.entry.manifest.createdAt) - Date.parse(b.entry.manifest.createdAt));
  const totalBytes = entries.reduce((sum, e) => sum + e.bytes, 0);
  const remove: SizedEntry[] = [];
  let left = totalBytes;
  for (const sized of candidates) {
    if (options.maxSize !== undefined && left <= options.maxSize) keep.push({ ...sized, why: "within-size" });
    else {
      remove.push(sized);
      left -= sized.bytes;
    }
  }
  return { keep, remove, totalBytes, freedBytes: totalBytes - left };
}
