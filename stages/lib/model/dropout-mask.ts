// Dropout masks from a keyed counter hash: the same mask for a seed on every path and thread count.
import { Prng } from "../core/prng.js";

/**
 * n dropout mask values for the stream named `seed`: 1/keep where the keyed hash of the element's
 * index is below keep·2³², else 0. A counter hash (lowbias32 twice, keyed by the Prng state of
 * `seed`) rather than a sequential generator, so native code draws the same mask on every core
 * (native/layers.cc dropoutMask computes this formula for the native path).
 */
export function dropoutMask(n: number, keep: number, seed: string): Float32Array {
  const [key0, key1] = dropoutKeys(seed);
  const threshold = keep * 4294967296;
  const scale = 1 / keep;
  const mask = new Float32Array(n);
  for (let i = 0; i < n; i++) if (mixBits((mixBits((i ^ key0) >>> 0) + key1) >>> 0) < threshold) mask[i] = scale;
  return mask;
}

/** The two hash keys of a dropout stream. */
export function dropoutKeys(seed: string): [number, number] {
  const [key0, key1] = new Prng(0, seed).state();
  return [key0, key1];
}

/** lowbias32 (Chris Wellons's 32-bit integer hash), unsigned. */
function mixBits(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/** The dropout mask seed of block `block` in a batch whose DropoutSpec seed is `seed`. */
export function blockSeed(seed: string, block: number): string {
  return `${seed}/${block}`;
}

/** Dropout in training: rate and a seed string that makes the masks reproducible. */
export interface DropoutSpec {
  readonly rate: number;
  /** Prefix of the per-block mask seeds; a new one per batch. */
  readonly seed: string;
}
