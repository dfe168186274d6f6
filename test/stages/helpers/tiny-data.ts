// A tiny seeded text→image data set in the load stage's layout (16-d captions, 24-d images).
import { writeFileSync } from "node:fs";
import path from "node:path";
import type { Matrix } from "../../../stages/lib/core/matrix.js";
import { writeIndex, writeMatrix } from "../../../stages/lib/io/npy-write.js";
import { Prng } from "../../../stages/lib/core/prng.js";

/** Widths and counts of the tiny set. */
export const TINY = { text: 16, image: 24, latent: 6, images: 60, perImage: 5, valImages: 10, test: 40 } as const;

export interface TinyData {
  readonly captions: Matrix;
  readonly images: Matrix;
  readonly labels: Int32Array;
  readonly trainIdx: Int32Array;
  readonly valIdx: Int32Array;
  readonly testCaptions: Matrix;
  readonly testIds: Int32Array;
  /** Row i is test caption i's image. */
  readonly testImages: Matrix;
}

function randomMatrix(prng: Prng, rows: number, cols: number, std: number): Float64Array {
  const m = new Float64Array(rows * cols);
  prng.fillNormal(m, std);
  return m;
}

/**
 * Images are a linear map of a latent meaning plus a large common mean; captions a non-linear
 * (tanh) view of a noisy copy of it, so ridge captures part of the relation and an MLP can add.
 */
export function makeTinyData(seed = 3): TinyData {
  const prng = new Prng(seed, "tiny");
  const { text, image, latent, perImage } = TINY;
  const A = randomMatrix(prng, latent, image, 1);
  const B = randomMatrix(prng, latent, text, 1);
  const imageMean = randomMatrix(prng, 1, image, 3);
  const imageOf = (z: Float64Array): Float32Array => {
    const out = new Float32Array(image);
    for (let j = 0; j < image; j++) {
      let s = (imageMean[j] as number) + 0.05 * prng.normal();
      for (let k = 0; k < latent; k++) s += (z[k] as number) * (A[k * image + j] as number);
      out[j] = s;
    }
    return out;
  };
  const captionOf = (z: Float64Array): Float32Array => {
    const out = new Float32Array(text);
    const noisy = z.map((v) => Math.tanh(1.5 * (v + 0.3 * prng.normal())));
    for (let j = 0; j < text; j++) {
      let s = 0.1 * prng.normal();
      for (let k = 0; k < latent; k++) s += (noisy[k] as number) * (B[k * text + j] as number);
      out[j] = s;
    }
    return out;
  };
  const build = (count: number, captionsEach: number) => {
    const images = new Float32Array(count * image);
    const captions = new Float32Array(count * captionsEach * text);
    const labels = new Int32Array(count * captionsEach);
    for (let i = 0; i < count; i++) {
      const z = randomMatrix(prng, 1, latent, 1);
      images.set(imageOf(z), i * image);
      for (let c = 0; c < captionsEach; c++) {
        captions.set(captionOf(z), (i * captionsEach + c) * text);
        labels[i * captionsEach + c] = i;
      }
    }
    return { images: { rows: count, cols: image, data: images }, captions: { rows: count * captionsEach, cols: text, data: captions }, labels };
  };
  const train = build(TINY.images, perImage);
  const test = build(TINY.test, 1);
  const nVal = TINY.valImages * perImage;
  return {
    captions: train.captions,
    images: train.images,
    labels: train.labels,
    valIdx: Int32Array.from({ length: nVal }, (_, i) => i),
    trainIdx: Int32Array.from({ length: train.captions.rows - nVal }, (_, i) => nVal + i),
    testCaptions: test.captions,
    testIds: Int32Array.from({ length: TINY.test }, (_, i) => i + 1),
    testImages: test.images,
  };
}

/** Writes the set as the load stage's outputs into `dir`; returns file name → path. */
export function writeTinyData(dir: string, data: TinyData): Record<string, string> {
  const files: Record<string, string> = {};
  const put = (name: string, write: (p: string) => void): void => {
    files[name] = path.join(dir, `${name}.npy`);
    write(files[name]);
  };
  put("captions", (p) => writeMatrix(p, data.captions));
  put("images", (p) => writeMatrix(p, data.images));
  put("labels", (p) => writeIndex(p, data.labels));
  put("train_idx", (p) => writeIndex(p, data.trainIdx));
  put("val_idx", (p) => writeIndex(p, data.valIdx));
  put("test_captions", (p) => writeMatrix(p, data.testCaptions));
  put("test_ids", (p) => writeIndex(p, data.testIds));
  put("test_images", (p) => writeMatrix(p, data.testImages));
  writeFileSync(path.join(dir, "README"), "tiny data written by test/stages/helpers/tiny-data.ts\n");
  return files;
}
