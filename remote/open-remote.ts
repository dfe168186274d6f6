// Opens the backend a remote spec names; the S3 SDK is loaded only when an S3 remote is used.
import type { Remote } from "./remote.js";
import type { RemoteSpec } from "./remote-spec.js";
import { DirectoryRemote } from "./directory-remote.js";

export async function openRemote(spec: RemoteSpec): Promise<Remote> {
  if (spec.kind === "directory") return new DirectoryRemote(spec);
  const { S3Remote } = await import("./s3-remote.js");
  return new S3Remote(spec);
}
