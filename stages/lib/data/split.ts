// The train/validation split of the captions: by whole images (no leakage) or by caption.
import { Prng } from "../core/prng.js";

/** `image`: a validation caption's image is never trained on; `caption`: the original pipeline's split. */
export type SplitMode = "image" | "caption";

/** Caption indices of each side, ascending. */
export interface Split {
  readonly train: Int32Array;
  readonly val: Int32Array;
  /** Images whose captions are all in validation (0 for a caption split). */
  readonly valImages: number;
}

/** How many of `n` items go to validation: round(fraction·n), at least 1 and at most n−1. */
export function validationCount(n: number, fraction: number): number {
  return Math.min(n - 1, Math.max(1, Math.round(fraction * n)));
}

function sides(n: number, isVal: (i: number) => boolean): { train: Int32Array; val: Int32Array } {
  let nVal = 0;
  for (let i = 0; i < n; i++) if (isVal(i)) nVal++;
  const train = new Int32Array(n - nVal);
  const val = new Int32Array(nVal);
  let t = 0;
  let v = 0;
  for (let i = 0; i < n; i++) {
    if (isVal(i)) val[v++] = i;
    else train[t++] = i;
  }
  return { train, val };
}

/** Splits captions (labels[i] = caption i's image) with a seeded shuffle; needs at least 2 images (image) or captions (caption). */
export function splitCaptions(labels: Int32Array, nImages: number, mode: SplitMode, valFraction: number, seed: number): Split {
  const rng = new Prng(seed, `split/${mode}`);
  if (mode === "caption") {
    const perm = rng.permutation(labels.length);
    const inVal = new Uint8Array(labels.length);
    for (const i of perm.subarray(0, validationCount(labels.length, valFraction))) inVal[i] = 1;
    return { ...sides(labels.length, (i) => inVal[i] === 1), valImages: 0 };
  }
  const used = new Uint8Array(nImages);
  for (const l of labels) used[l] = 1;
  const withCaptions = Int32Array.from(used.reduce<number[]>((acc, u, i) => (u ? (acc.push(i), acc) : acc), []));
  rng.shuffle(withCaptions);
  const nVal = validationCount(withCaptions.length, valFraction);
  const valImage = new Uint8Array(nImages);
  for (const i of withCaptions.subarray(0, nVal)) valImage[i] = 1;
  return { ...sides(labels.length, (i) => valImage[labels[i] as number] === 1), valImages: nVal };
}
