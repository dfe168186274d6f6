// Runs async jobs a few at a time, stopping at the first failure: transfers of many small files are bound by request latency, not bandwidth.
import { ok, type Result } from "../../schemas/result.js";

/** Files moved at once by push and pull (each large file is itself split into parallel parts on S3). */
export const TRANSFER_CONCURRENCY = 4;

/**
 * Runs `job` on every item, at most `limit` at once; the first error (or exception) wins and no new
 * job starts after it. Returns only once every started job has finished, so the caller may clean
 * up what they wrote; an exception is rethrown then.
 */
export async function inParallel<T, E>(items: readonly T[], limit: number, job: (item: T) => Promise<Result<void, E>>): Promise<Result<void, E>> {
  let next = 0;
  let failure: Result<void, E> | undefined;
  let thrown: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (failure === undefined && thrown === undefined && next < items.length) {
      const item = items[next++] as T;
      try {
        const done = await job(item);
        if (!done.ok && failure === undefined) failure = done;
      } catch (error) {
        thrown ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (thrown !== undefined) throw thrown.error;
  return failure ?? ok(undefined);
}
