// `dag run --pull` and `--push`: the read-through and write-through hooks the executor calls, which never fail a run: a remote problem is a warning and the stage is computed.
import type { CacheEntry } from "../../cache/cache-entry.js";
import type { StageKey } from "../../cache/digest.js";
import type { Remote, RemoteError } from "../../remote/remote.js";
import type { RemoteSpec } from "../../remote/remote-spec.js";
import type { EmitEvent } from "../events.js";
import type { PulledEntry } from "../executor.js";
import type { StageSpec } from "../pipeline.js";
import type { Project } from "../project.js";
import { remoteErrorText } from "../reporters/remote-text.js";
import { downloadEntry, remoteEntrySize } from "./entry-download.js";
import { uploadEntry } from "./entry-upload.js";
import { isFatal } from "./push-entries.js";

export interface RunThrough {
  readonly readThrough?: (spec: StageSpec, key: StageKey) => Promise<PulledEntry | undefined>;
  readonly writeThrough?: (spec: StageSpec, entry: CacheEntry) => Promise<void>;
  /** What write-through sent: entries and bytes. */
  readonly pushed: { entries: number; bytes: number; gaveUp: boolean };
}

/**
 * The hooks for one run. Once the remote fails in a way that would repeat (unreachable, bad
 * credentials…), it is said once and not asked again: the rest of the run computes and keeps its
 * entries locally.
 */
export async function runThrough(project: Project, remote: Remote, spec: RemoteSpec, options: { pull: boolean; push: boolean }, emit: EmitEvent): Promise<RunThrough> {
  let down: RemoteError | undefined;
  const giveUp = (error: RemoteError, doing: string): void => {
    if (down !== undefined) return;
    down = error;
    pushed.gaveUp = true;
    emit({ type: "warning", message: `${remoteErrorText(error, spec)}; ${doing}` });
  };
  const pushed = { entries: 0, bytes: 0, gaveUp: false };
  const reachable = await remote.check();
  if (!reachable.ok) giveUp(reachable.error, options.pull ? "stages are computed instead" : "nothing is pushed");

  const readThrough = async (stage: StageSpec, key: StageKey): Promise<PulledEntry | undefined> => {
    if (down !== undefined) return undefined;
    const started = performance.now();
    const size = await remoteEntrySize(remote, stage.base, key);
    if (!size.ok) {
      giveUp(size.error, "stages are computed instead");
      return undefined;
    }
    if (size.value === undefined) return undefined;
    const total = size.value;
    let done = 0;
    const got = await downloadEntry(remote, project.store, stage.base, key, (n) => {
      done += n;
      emit({ type: "stage-progress", stage: stage.name, done, total, phase: "pulling" });
    });
    if (got.ok) return { entry: got.value, bytes: total, seconds: (performance.now() - started) / 1000 };
    switch (got.error.reason) {
      case "absent":
        return undefined;
      case "remote":
        if (isFatal(got.error.error)) giveUp(got.error.error, "stages are computed instead");
        else emit({ type: "warning", message: `stage ${stage.name}: ${remoteErrorText(got.error.error, spec)}; it is computed instead` });
        return undefined;
      case "damaged":
        emit({ type: "warning", message: `stage ${stage.name}: the copy of ${key.slice(0, 10)} in remote ${spec.name} is damaged (${got.error.detail}); it was not used and the stage is computed` });
        return undefined;
      case "write-failed":
        emit({ type: "warning", message: `stage ${stage.name}: cannot write ${got.error.failure.path} (${got.error.failure.detail}); it is computed instead` });
        return undefined;
    }
  };

  const writeThrough = async (stage: StageSpec, entry: CacheEntry): Promise<void> => {
    if (down !== undefined) return;
    const sent = await uploadEntry(remote, entry, project.stats, () => undefined);
    if (sent.ok) {
      if (sent.value.sent) {
        pushed.entries += 1;
        pushed.bytes += sent.value.bytes;
      }
      return;
    }
    if (sent.error.reason === "local") emit({ type: "warning", message: `stage ${stage.name}: not pushed (${sent.error.detail})` });
    else if (isFatal(sent.error.error)) giveUp(sent.error.error, "the rest of the run is not pushed; dag push sends it later");
    else emit({ type: "warning", message: `stage ${stage.name}: not pushed: ${remoteErrorText(sent.error.error, spec)}` });
  };

  return { ...(options.pull ? { readThrough } : {}), ...(options.push ? { writeThrough } : {}), pushed };
}
