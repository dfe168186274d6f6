// Where a remote is, as configured (remote: in pipeline.yaml, overridden by dag.local.yaml): a shared folder or an S3 bucket. No credentials: the AWS chain finds those.

/** A shared directory (NFS, Lustre, a mounted drive): entries are files below `path`. */
export interface DirectoryRemoteSpec {
  readonly name: string;
  readonly kind: "directory";
  /** Absolute path of the folder (a relative `url` is resolved against the project root). */
  readonly path: string;
}

/** An S3-compatible bucket; credentials come from the standard AWS chain (variables, ~/.aws, roles), never from dag's files. */
export interface S3RemoteSpec {
  readonly name: string;
  readonly kind: "s3";
  readonly bucket: string;
  /** Key prefix inside the bucket, "" or ending in "/". */
  readonly prefix: string;
  /** A non-AWS endpoint (`http://127.0.0.1:18080`, MinIO, Ceph, Swift); undefined: AWS. */
  readonly endpoint: string | undefined;
  /** undefined: the AWS chain's (AWS_REGION, ~/.aws/config), else us-east-1. */
  readonly region: string | undefined;
  /** Path-style URLs (`endpoint/bucket/key`), which most non-AWS servers need. */
  readonly forcePathStyle: boolean;
}

/** What `dag run` does with a remote without being told (`--pull`, `--push`): `read_through: true`, `write_through: true`. */
export interface ThroughSettings {
  /** Every `dag run` reads through this remote, as with `--pull`. */
  readonly readThrough: boolean;
  /** Every `dag run` writes through to this remote, as with `--push`. */
  readonly writeThrough: boolean;
}

export type RemoteSpec = DirectoryRemoteSpec | S3RemoteSpec;

/** A remote as the project configures it: where it is, and what `dag run` does with it unasked. */
export type ConfiguredRemote = RemoteSpec & ThroughSettings;

/** The remotes a project knows and which one commands use when none is named. */
export interface RemoteSettings {
  readonly remotes: ReadonlyMap<string, ConfiguredRemote>;
  /** The default remote's name: the configured `default`, or the only remote; undefined when there is none or it is ambiguous. */
  readonly default: string | undefined;
}

/** How a remote is shown in messages: `team (s3://bucket/prefix)`, `lab (/mnt/lab/dag-cache)`. */
export function describeRemote(spec: RemoteSpec): string {
  return spec.kind === "directory" ? `${spec.name} (${spec.path})` : `${spec.name} (s3://${spec.bucket}/${spec.prefix}${spec.endpoint === undefined ? "" : ` at ${spec.endpoint}`})`;
}
