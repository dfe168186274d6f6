// Expected failures of reading the challenge data, as values: each names the file (and the key).

/** Why a data file could not be used. */
export type DataErrorReason =
  | "missing-file"
  | "unreadable"
  | "not-npy"
  | "not-zip"
  | "truncated"
  | "missing-key"
  | "object-array"
  | "unsupported-dtype"
  | "wrong-shape"
  | "bad-label"
  | "count-mismatch"
  | "width-mismatch"
  | "id-mismatch"
  | "duplicate-id"
  | "non-finite"
  | "malformed";

/** A data failure: `message` is one self-contained line that already names the file and key. */
export interface DataError {
  readonly reason: DataErrorReason;
  /** The file the failure is about, as the caller named it. */
  readonly file: string;
  /** The array inside an .npz archive, when the failure is about one member. */
  readonly key?: string;
  readonly message: string;
}

/** Builds a DataError whose message starts with `file[key]: `. */
export function dataError(reason: DataErrorReason, file: string, key: string | undefined, detail: string): DataError {
  const where = key === undefined ? file : `${file} [${key}]`;
  return key === undefined ? { reason, file, message: `${where}: ${detail}` } : { reason, file, key, message: `${where}: ${detail}` };
}
