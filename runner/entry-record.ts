// What the runner stores in a cache entry besides the outputs: the key inputs, metrics and timings.
import type { KeyInputs } from "./stage-key.js";

/** The runner's part of an entry's manifest (the cache stores it as opaque JSON). */
export interface EntryRecord {
  /** Everything that went into the key, so `status` can say what changed since. */
  readonly inputs: KeyInputs;
  /** The metrics the stage reported (and wrote to metrics.json). */
  readonly metrics: Readonly<Record<string, number>>;
  /** Facts about the run, e.g. { backend: "wasm" }. */
  readonly meta: Readonly<Record<string, string | number | boolean>>;
  /** Wall time of the stage process, in seconds. */
  readonly seconds: number;
  readonly startedAt: string;
  readonly finishedAt: string;
}

/** Reads a record back from a manifest; an entry written by something else gives undefined. */
export function asEntryRecord(value: unknown): EntryRecord | undefined {
  if (value === null || typeof value !== "object") return undefined;
  const r = value as Partial<EntryRecord>;
  if (r.inputs === undefined || typeof r.seconds !== "number") return undefined;
  return { ...r, metrics: r.metrics ?? {}, meta: r.meta ?? {} } as EntryRecord;
}
