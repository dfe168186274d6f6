// Reading the organisers' files (train.npz, test.clean.npz, captions.txt) into checked typed arrays.
import { readFileSync } from "node:fs";
import { parseCaptionsCsv } from "../io/captions-csv.js";
import { dataError, type DataError } from "../io/data-error.js";
import { type Matrix } from "../core/matrix.js";
import { nonFiniteRows } from "./non-finite.js";
import { asIndexVector, type NdArray } from "../io/npy.js";
import { member, readArray, withNpz, type NpzArchive } from "../io/npz-archive.js";
import { readLabelIndices, type LabelProgress } from "../io/npz-labels.js";
import { err, ok, type Result } from "../core/result.js";

/** The training data, checked for consistent counts. */
export interface ChallengeTrain {
  /** N_cap × D_text raw caption embeddings. */
  readonly captions: Matrix;
  /** N_img × D_image raw image embeddings. */
  readonly images: Matrix;
  /** Caption i's image index. */
  readonly labels: Int32Array;
  /** Keys present but not read (pickled text, names), with why. */
  readonly skipped: Readonly<Record<string, string>>;
  /** Rows holding NaN or ±Inf, per matrix. */
  readonly nonFinite: { readonly captions: Int32Array; readonly images: Int32Array };
}

/** Where the test ids came from. */
export type TestIdsSource = "captions.txt = npz captions/ids" | "npz captions/ids" | "captions.txt";

/** The test captions and their official ids. */
export interface ChallengeTest {
  readonly captions: Matrix;
  readonly ids: Int32Array;
  readonly idsSource: TestIdsSource;
  readonly skipped: Readonly<Record<string, string>>;
  readonly nonFinite: Int32Array;
}

const CAPTIONS = "captions/embeddings";
const IMAGES = "images/embeddings";
const LABELS = "captions/label";
const IDS = "captions/ids";

function shapeText(shape: readonly number[]): string {
  return `(${shape.join(", ")})`;
}

/** A 2-D float array as a float32 Matrix (float64 is converted). */
function asMatrix(array: NdArray, file: string, key: string): Result<Matrix, DataError> {
  if (array.shape.length !== 2) return err(dataError("wrong-shape", file, key, `expected a 2-D matrix, got shape ${shapeText(array.shape)}`));
  const [rows, cols] = array.shape as [number, number];
  if (array.dtype === "float32") return ok({ rows, cols, data: array.data });
  if (array.dtype === "float64") return ok({ rows, cols, data: Float32Array.from(array.data) });
  return err(dataError("unsupported-dtype", file, key, `expected float32 embeddings, got ${array.dtype}`));
}

/** Checks a 2-D member's header before any data is inflated. */
function matrixShape(archive: NpzArchive, key: string): Result<[number, number], DataError> {
  const m = member(archive, key);
  if (!m.ok) return m;
  const shape = m.value.header.shape;
  if (shape.length !== 2) return err(dataError("wrong-shape", archive.file, key, `expected a 2-D matrix, got shape ${shapeText(shape)}`));
  return ok(shape as [number, number]);
}

/** Checks an optional `metadata/…` scalar against the count the arrays imply. */
async function checkMetadata(archive: NpzArchive, key: string, actual: number, what: string): Promise<Result<void, DataError>> {
  if (!archive.members.has(key)) return ok(undefined);
  const array = await readArray(archive, key);
  if (!array.ok) return array;
  const value = asIndexVector({ ...array.value, shape: [array.value.data.length] } as NdArray, archive.file, key);
  if (!value.ok) return value;
  const v = value.value[0];
  if (value.value.length !== 1 || v !== actual) {
    return err(dataError("count-mismatch", archive.file, key, `says ${value.value.join(", ")} but ${what} is ${actual}`));
  }
  return ok(undefined);
}

async function checkAllMetadata(archive: NpzArchive, checks: readonly [string, number, string][]): Promise<Result<void, DataError>> {
  for (const [key, actual, what] of checks) {
    const checked = await checkMetadata(archive, key, actual, what);
    if (!checked.ok) return checked;
  }
  return ok(undefined);
}

/**
 * Reads train.npz: caption and image embeddings and the label vector (a one-hot matrix is
 * reduced while it inflates, in parallel with the embeddings). Counts must agree everywhere.
 */
export function readTrainNpz(file: string, onLabels?: LabelProgress): Promise<Result<ChallengeTrain, DataError>> {
  return withNpz(file, async (archive) => {
    const capShape = matrixShape(archive, CAPTIONS);
    if (!capShape.ok) return capShape;
    const imgShape = matrixShape(archive, IMAGES);
    if (!imgShape.ok) return imgShape;
    const [nCap, dText] = capShape.value;
    const [nImg, dImage] = imgShape.value;
    const labelMember = member(archive, LABELS);
    if (!labelMember.ok) return labelMember;
    const labelRows = labelMember.value.header.shape[0];
    if (labelRows !== nCap) {
      return err(dataError("count-mismatch", file, LABELS, `has ${labelRows ?? 0} rows but ${CAPTIONS} has ${nCap} captions`));
    }
    const metadata = await checkAllMetadata(archive, [
      ["metadata/num_captions", nCap, `the number of rows of ${CAPTIONS}`],
      ["metadata/num_images", nImg, `the number of rows of ${IMAGES}`],
      ["metadata/embedding_dim_text", dText, `the width of ${CAPTIONS}`],
      ["metadata/embedding_dim_image", dImage, `the width of ${IMAGES}`],
    ]);
    if (!metadata.ok) return metadata;
    if (archive.members.has(IDS)) {
      const ids = archive.members.get(IDS)?.header.shape[0];
      if (ids !== nCap) return err(dataError("count-mismatch", file, IDS, `has ${ids ?? 0} ids but ${CAPTIONS} has ${nCap} captions`));
    }
    const [captions, images, labels] = await Promise.all([readArray(archive, CAPTIONS), readArray(archive, IMAGES), readLabelIndices(archive, LABELS, nImg, onLabels)]);
    if (!labels.ok) return labels;
    if (!captions.ok) return captions;
    if (!images.ok) return images;
    const capM = asMatrix(captions.value, file, CAPTIONS);
    if (!capM.ok) return capM;
    const imgM = asMatrix(images.value, file, IMAGES);
    if (!imgM.ok) return imgM;
    return ok({
      captions: capM.value,
      images: imgM.value,
      labels: labels.value,
      skipped: Object.fromEntries(archive.skipped),
      nonFinite: { captions: nonFiniteRows(capM.value), images: nonFiniteRows(imgM.value) },
    });
  });
}

/** Reads the test ids of a captions.txt. */
function readCsvIds(csvFile: string): Result<Int32Array, DataError> {
  let text: string;
  try {
    text = readFileSync(csvFile, "utf8");
  } catch (error) {
    return err(dataError("unreadable", csvFile, undefined, `cannot read: ${error instanceof Error ? error.message : String(error)}`));
  }
  const parsed = parseCaptionsCsv(text, csvFile);
  return parsed.ok ? ok(parsed.value.ids) : parsed;
}

/** Checks two id lists are identical, naming the count or the first differing row. */
function sameIds(a: Int32Array, aName: string, b: Int32Array, bName: string, file: string): Result<void, DataError> {
  if (a.length !== b.length) return err(dataError("id-mismatch", file, undefined, `${aName} has ${a.length} ids but ${bName} has ${b.length}; fix the files (ids are never renumbered)`));
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) {
      return err(dataError("id-mismatch", file, undefined, `row ${i}: ${aName} has id ${a[i]}, ${bName} has id ${b[i]}; fix the files (ids are never renumbered)`));
    }
  }
  return ok(undefined);
}

/** Fails when an id appears more than once, naming the repeated ids (a submission holds each id once). */
function uniqueIds(ids: Int32Array, file: string, key: string | undefined): Result<void, DataError> {
  const seen = new Set<number>();
  const repeated = new Set<number>();
  for (const id of ids) {
    if (seen.has(id)) repeated.add(id);
    seen.add(id);
  }
  if (repeated.size === 0) return ok(undefined);
  const list = [...repeated].slice(0, 10).join(", ");
  return err(dataError("duplicate-id", file, key, `test ids must be unique, but ${repeated.size === 1 ? "id" : `${repeated.size} ids`} ${list}${repeated.size > 10 ? ", …" : ""} ${repeated.size === 1 ? "appears" : "appear"} more than once`));
}

/**
 * Reads test.clean.npz and, when given, captions.txt. The ids are the official ones: captions.txt's,
 * which must equal the npz `captions/ids` when both exist (either alone is used as is; never
 * renumbered), and unique. The text width must equal the training captions' width.
 */
export function readTestFiles(npzFile: string, csvFile: string | undefined, textWidth: number): Promise<Result<ChallengeTest, DataError>> {
  return withNpz(npzFile, async (archive) => {
    const shape = matrixShape(archive, CAPTIONS);
    if (!shape.ok) return shape;
    const [nTest, dText] = shape.value;
    if (dText !== textWidth) {
      return err(dataError("width-mismatch", npzFile, CAPTIONS, `test captions are ${dText} wide but the training captions are ${textWidth} wide`));
    }
    const metadata = await checkAllMetadata(archive, [
      ["metadata/num_captions", nTest, `the number of rows of ${CAPTIONS}`],
      ["metadata/embedding_dim_text", dText, `the width of ${CAPTIONS}`],
    ]);
    if (!metadata.ok) return metadata;
    let npzIds: Int32Array | undefined;
    if (archive.members.has(IDS)) {
      const ids = await readArray(archive, IDS);
      if (!ids.ok) return ids;
      const vector = asIndexVector(ids.value, npzFile, IDS);
      if (!vector.ok) return vector;
      npzIds = vector.value;
      if (npzIds.length !== nTest) return err(dataError("count-mismatch", npzFile, IDS, `has ${npzIds.length} ids but ${CAPTIONS} has ${nTest} captions`));
    }
    let ids: Int32Array;
    let idsSource: TestIdsSource;
    if (csvFile !== undefined) {
      const csv = readCsvIds(csvFile);
      if (!csv.ok) return csv;
      if (npzIds !== undefined) {
        const same = sameIds(csv.value, csvFile, npzIds, `${npzFile} [${IDS}]`, csvFile);
        if (!same.ok) return same;
        idsSource = "captions.txt = npz captions/ids";
      } else {
        if (csv.value.length !== nTest) return err(dataError("id-mismatch", csvFile, undefined, `has ${csv.value.length} ids but ${npzFile} has ${nTest} test captions`));
        idsSource = "captions.txt";
      }
      ids = csv.value;
    } else if (npzIds !== undefined) {
      ids = npzIds;
      idsSource = "npz captions/ids";
    } else {
      return err(dataError("missing-key", npzFile, IDS, "is missing and no captions.txt is an input (deps: test_captions): the test ids are unknown"));
    }
    const unique = uniqueIds(ids, idsSource === "npz captions/ids" ? npzFile : (csvFile ?? npzFile), idsSource === "npz captions/ids" ? IDS : undefined);
    if (!unique.ok) return unique;
    const captions = await readArray(archive, CAPTIONS);
    if (!captions.ok) return captions;
    const m = asMatrix(captions.value, npzFile, CAPTIONS);
    if (!m.ok) return m;
    return ok({ captions: m.value, ids, idsSource, skipped: Object.fromEntries(archive.skipped), nonFinite: nonFiniteRows(m.value) });
  });
}
