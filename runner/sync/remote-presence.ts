// For `dag status`: which stages missing here the remote holds, by the key the workspace resolves to, else the one the lock names. Only reads, locally and remotely.
import type { StageKey } from "../../cache/digest.js";
import type { Remote, RemoteError } from "../../remote/remote.js";
import type { ResolvedStage } from "../dag-walk.js";
import type { PipelineLock } from "../pipeline-lock.js";
import { err, ok, type Result } from "../../schemas/result.js";
import { manifestName } from "./remote-layout.js";

/** Stage name → the key found in the remote, for each of `names` not cached here whose entry the remote has. */
export async function inRemote(
  remote: Remote,
  names: readonly string[],
  resolved: ReadonlyMap<string, ResolvedStage>,
  lock: PipelineLock | undefined,
): Promise<Result<Map<string, StageKey>, RemoteError>> {
  const found = new Map<string, StageKey>();
  for (const name of names) {
    const r = resolved.get(name);
    if (r === undefined || r.entry !== undefined) continue;
    const locked = lock?.stages[name];
    const key = r.key ?? locked?.key;
    if (key === undefined) continue;
    const there = await remote.stat(manifestName(r.spec.base, key));
    if (!there.ok) return err(there.error);
    if (there.value !== undefined) found.set(name, key);
  }
  return ok(found);
}
