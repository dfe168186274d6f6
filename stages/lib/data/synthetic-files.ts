// Writes synthetic data as the organisers' files: train.npz, test.clean.npz and captions.txt,
// with the same keys and dtypes (one-hot bool labels streamed row by row, never held whole).
import { writeFileSync } from "node:fs";
import path from "node:path";
import { formatCaptionsCsv } from "../io/captions-csv.js";
import { type NdArray } from "../io/npy.js";
import { writeNpz, type NpyStream, type NpzMemberSource } from "../io/npz-write.js";
import { IMAGE_DIM, TEXT_DIM, type SyntheticData } from "./synthetic.js";

/** Rows of the one-hot label matrix generated per chunk. */
const LABEL_ROWS_PER_CHUNK = 256;

function int64(value: number): NdArray {
  return { dtype: "int64", shape: [1], data: BigInt64Array.of(BigInt(value)), fortranOrder: false };
}

function unicode(strings: string[]): NdArray {
  return { dtype: "unicode", shape: [strings.length], data: strings, fortranOrder: false };
}

/** The (labels.length × nImages) one-hot bool matrix, as a stream of row chunks. */
export function oneHotLabels(labels: Int32Array, nImages: number): NpyStream {
  return {
    dtype: "bool",
    shape: [labels.length, nImages],
    *chunks() {
      for (let r0 = 0; r0 < labels.length; r0 += LABEL_ROWS_PER_CHUNK) {
        const rows = Math.min(LABEL_ROWS_PER_CHUNK, labels.length - r0);
        const chunk = new Uint8Array(rows * nImages);
        for (let r = 0; r < rows; r++) chunk[r * nImages + (labels[r0 + r] as number)] = 1;
        yield chunk;
      }
    },
  };
}

/** The train.npz members in the organisers' layout. */
export function trainMembers(data: SyntheticData): Record<string, NpzMemberSource> {
  const t = data.train;
  return {
    "metadata/num_captions": int64(t.captions.rows),
    "metadata/num_images": int64(t.images.rows),
    "metadata/embedding_dim_text": int64(TEXT_DIM),
    "metadata/embedding_dim_image": int64(IMAGE_DIM),
    "captions/ids": { dtype: "int64", shape: [t.captionIds.length], data: t.captionIds, fortranOrder: false },
    "captions/text": unicode(t.captionText),
    "captions/embeddings": { dtype: "float32", shape: [t.captions.rows, t.captions.cols], data: t.captions.data, fortranOrder: false },
    "captions/label": oneHotLabels(t.labels, t.images.rows),
    "images/names": unicode(t.imageNames),
    "images/embeddings": { dtype: "float32", shape: [t.images.rows, t.images.cols], data: t.images.data, fortranOrder: false },
  };
}

/** The test.clean.npz members in the organisers' layout (no images: the gallery is hidden). */
export function testMembers(data: SyntheticData): Record<string, NpzMemberSource> {
  const t = data.test;
  return {
    "metadata/num_captions": int64(t.captions.rows),
    "metadata/embedding_dim_text": int64(TEXT_DIM),
    "metadata/embedding_dim_image": int64(IMAGE_DIM),
    "captions/ids": { dtype: "int64", shape: [t.ids.length], data: BigInt64Array.from(t.ids, (v) => BigInt(v)), fortranOrder: false },
    "captions/text": unicode(t.text),
    "captions/embeddings": { dtype: "float32", shape: [t.captions.rows, t.captions.cols], data: t.captions.data, fortranOrder: false },
  };
}

/** The paths written by writeSyntheticFiles. */
export interface SyntheticFiles {
  readonly train: string;
  readonly test: string;
  readonly captions: string;
}

/** Writes train.npz, test.clean.npz and captions.txt into `dir` (compressed as np.savez_compressed by default). */
export async function writeSyntheticFiles(dir: string, data: SyntheticData, options: { compress?: boolean; level?: number } = {}): Promise<SyntheticFiles> {
  const files = { train: path.join(dir, "train.npz"), test: path.join(dir, "test.clean.npz"), captions: path.join(dir, "captions.txt") };
  await writeNpz(files.train, trainMembers(data), options);
  await writeNpz(files.test, testMembers(data), options);
  writeFileSync(files.captions, formatCaptionsCsv(data.test.ids, data.test.text));
  return files;
}
