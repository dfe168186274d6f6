// A remote's failures in words: what went wrong with which remote, and what to do about it.
import type { RemoteError } from "../../remote/remote.js";
import { describeRemote, type RemoteSpec } from "../../remote/remote-spec.js";
import { unreachable } from "../../cache/result.js";
import { formatSize } from "../quantities.js";

/** `remote team (s3://bucket/dag/ at http://…): cannot reach it (ECONNREFUSED); check …`. */
export function remoteErrorText(error: RemoteError, spec: RemoteSpec): string {
  const where = `remote ${describeRemote(spec)}`;
  const s3 = spec.kind === "s3";
  const advice = ((): string => {
    switch (error.reason) {
      case "unreachable":
        return s3 ? "check that the server is up and that its endpoint (pipeline.yaml or dag.local.yaml) is right" : "check that the shared folder is mounted";
      case "credentials":
        return "dag reads credentials from the standard AWS chain (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE and ~/.aws, a role) and stores none: set valid ones there";
      case "no-bucket":
        return s3 ? `create bucket ${spec.bucket}, or fix the url of remote ${spec.name}` : `create the folder (mkdir -p ${spec.path}) or mount it, or fix the url of remote ${spec.name}`;
      case "denied":
        return s3 ? `these credentials may not use bucket ${spec.bucket}: ask for read and write rights on it, or use other credentials` : `this user may not write ${spec.path}: check its permissions`;
      case "quota":
        return "the remote is full: free space (dag gc --remote drops what no pipeline reaches) or ask for a larger quota";
      case "failed":
        return "the local cache is unchanged; try again, or see the server's log";
      default:
        return unreachable(error.reason);
    }
  })();
  const what = {
    unreachable: "cannot be reached",
    credentials: "rejects the credentials",
    "no-bucket": s3 ? "has no such bucket" : "has no such folder",
    denied: "denies access",
    quota: "is over its quota",
    failed: "failed",
  }[error.reason];
  return `${where} ${what} (${error.action}: ${error.detail}); ${advice}`;
}

/** When no remote can be chosen: none configured, or several and no default. */
export function noRemoteText(names: readonly string[]): string {
  return names.length === 0
    ? "no remote is configured: add one to pipeline.yaml, e.g.\n  remote:\n    team: { url: /mnt/shared/dag-cache }      # or s3://BUCKET/PREFIX\n(see README, Remotes)"
    : `several remotes (${names.join(", ")}) and no default: name one with -r NAME, or set remote.default in pipeline.yaml or dag.local.yaml`;
}

/** After `dag run --push`: `pushed 3 entries (12 MiB) to team (/mnt/…)`. */
export function pushedText(pushed: { readonly entries: number; readonly bytes: number; readonly gaveUp: boolean }, spec: RemoteSpec): string {
  if (pushed.gaveUp && pushed.entries === 0) return `nothing pushed to remote ${spec.name}; dag push sends it once the remote answers`;
  return pushed.entries === 0 ? `remote ${spec.name} had every entry already` : `pushed ${pushed.entries} ${pushed.entries === 1 ? "entry" : "entries"} (${formatSize(pushed.bytes)}) to ${describeRemote(spec)}`;
}
