// The built-in synthetic challenge data: seeded, in the real layout and widths, with structure a
// linear map only partly captures (shared latent meanings, topic clusters, non-linear encoders).
//
// Model: each image has a latent meaning z (topic centre + spread, anisotropic, a few near
// duplicates). Image embedding = large common mean + W2·gelu(W1·z + b1) + noise (1536-d, raw norm
// ≈ 25). Each caption sees a noisy, partial copy of its image's z (some latent factors dropped)
// through its own map V2·tanh(V1·z' + c1), plus a caption "style" unrelated to the image and
// noise (1024-d). The two spaces share no basis, so cosine without learning is near chance.
import { jsGemm32 } from "../kernels/js-gemm.js";
import { type Matrix } from "../core/matrix.js";
import { Prng } from "../core/prng.js";

/** Text embedding width, as the challenge's text encoder. */
export const TEXT_DIM = 1024;
/** Image embedding width, as the challenge's vision encoder. */
export const IMAGE_DIM = 1536;

/** How much synthetic data to make. */
export interface SyntheticSpec {
  /** Training images (the challenge has 25,000). */
  readonly images: number;
  /** Captions per training image, stored contiguously (the challenge has 5). */
  readonly captionsPerImage: number;
  /** Test captions; each describes its own hidden test image (the challenge has 1,500). */
  readonly testCaptions: number;
  readonly seed: number;
}

/** The training split in the challenge's layout. */
export interface SyntheticTrain {
  /** N_cap × 1024 raw caption embeddings. */
  readonly captions: Matrix;
  /** N_img × 1536 raw image embeddings. */
  readonly images: Matrix;
  /** Caption i's image index; captions k·i … k·i+k−1 belong to image i. */
  readonly labels: Int32Array;
  /** Caption ids 0..N_cap−1. */
  readonly captionIds: BigInt64Array;
  readonly captionText: string[];
  /** Flickr-like file names, e.g. `1000092795.jpg`. */
  readonly imageNames: string[];
}

/** The test split, and the hidden gallery kept for local scoring. */
export interface SyntheticTest {
  /** N_test × 1024 raw caption embeddings. */
  readonly captions: Matrix;
  /** The official ids 1..N_test. */
  readonly ids: Int32Array;
  readonly text: string[];
  /** Hidden gallery: row i is the image of test caption i (N_test × 1536). */
  readonly images: Matrix;
  readonly imageNames: string[];
}

export interface SyntheticData {
  readonly train: SyntheticTrain;
  readonly test: SyntheticTest;
}

/**
 * The knobs of the generative model, calibrated (data/README.md): cosine near chance, ridge well
 * above it, an InfoNCE-trained MLP above ridge.
 */
export const MODEL = {
  latentDim: 64,
  /** Decay of the latent factors' scales: factor k has scale (1 + k / latentDecay)^-0.5. */
  latentDecay: 12,
  /** Images per topic cluster, on average. */
  imagesPerTopic: 25,
  topicSpread: 0.6,
  /** Fraction of images that are a near copy of an earlier image. */
  nearDuplicates: 0.05,
  nearDuplicateNoise: 0.15,
  imageHidden: 256,
  /** Scale of the first layer's pre-activations (larger = more non-linear). */
  imageDrive: 3.0,
  /** Norm of the common image mean; with imageSignal the raw image norms come out ≈ 25. */
  imageMeanNorm: 24,
  /** RMS norm of the image variation around the mean. */
  imageSignal: 7,
  imageNoise: 0.05,
  textHidden: 192,
  textDrive: 3.0,
  textMeanNorm: 4,
  textSignal: 3,
  /** Probability that a caption mentions a latent factor at all. */
  captionKeep: 0.7,
  captionNoise: 0.8,
  /** Caption style: a low-rank text-only variation, relative to the meaning's contribution. */
  styleRank: 16,
  styleScale: 0.4,
  textNoise: 0.04,
} as const;

/** Called with (done, total) as blocks of rows are generated. */
export type SyntheticProgress = (done: number, total: number, phase: string) => void;

const BLOCK = 512;
const PILOT_ROWS = 512;

/** A two-layer map latent → hidden (+ extra inputs) → out, plus a mean and a gain. */
interface LayerMaps {
  readonly w1: Float32Array;
  readonly b1: Float32Array;
  /** out × (hidden + extra), row-major. */
  readonly w2: Float32Array;
  readonly mean: Float32Array;
  readonly hidden: number;
  /** Inputs fed straight to the second layer (caption style), 0 for images. */
  readonly extra: number;
  readonly out: number;
  readonly activation: (x: number) => number;
}

function gaussianMatrix(rng: Prng, rows: number, cols: number, std: number): Float32Array {
  const m = new Float32Array(rows * cols);
  rng.fillNormal(m, std);
  return m;
}

/**
 * A random two-layer map with an anisotropic output: hidden unit h weighs (1 + h/16)^-0.6 and
 * output dims get log-normal scales. `extraScale` weighs the extra inputs against the hidden ones.
 */
function makeMaps(rng: Prng, hidden: number, extra: number, extraScale: number, out: number, meanNorm: number, drive: number, activation: (x: number) => number): LayerMaps {
  const L = MODEL.latentDim;
  const w1 = gaussianMatrix(rng, hidden, L, drive / Math.sqrt(L));
  const b1 = gaussianMatrix(rng, 1, hidden, 0.5);
  const width = hidden + extra;
  const w2 = new Float32Array(out * width);
  const unit = new Float32Array(width);
  let norm2 = 0;
  for (let h = 0; h < hidden; h++) {
    unit[h] = Math.pow(1 + h / 16, -0.6);
    norm2 += (unit[h] as number) ** 2;
  }
  for (let e = 0; e < extra; e++) unit[hidden + e] = extraScale * Math.sqrt(norm2 / extra);
  for (let j = 0; j < out; j++) {
    const scale = Math.exp(0.5 * rng.normal());
    for (let h = 0; h < width; h++) w2[j * width + h] = scale * (unit[h] as number) * rng.normal();
  }
  const mean = gaussianMatrix(rng, 1, out, 1);
  let n = 0;
  for (const v of mean) n += v * v;
  for (let j = 0; j < out; j++) mean[j] = ((mean[j] as number) * meanNorm) / Math.sqrt(n);
  return { w1, b1, w2, mean, hidden, extra, out, activation };
}

function gelu(x: number): number {
  return 0.5 * x * (1 + Math.tanh(0.7978845608028654 * (x + 0.044715 * x * x * x)));
}

/**
 * dest[r] = w2 · [act(w1 · latent[r] + b1), extra[r]] for `rows` rows (no mean, no noise);
 * returns the mean squared row norm.
 */
function project(maps: LayerMaps, latents: Float32Array, extras: Float32Array | undefined, rows: number, dest: Float32Array, onBlock?: (done: number) => void): number {
  const L = MODEL.latentDim;
  const { hidden, extra, out, activation } = maps;
  const width = hidden + extra;
  const pre = new Float32Array(BLOCK * hidden);
  const h = new Float32Array(BLOCK * width);
  let sum2 = 0;
  for (let r0 = 0; r0 < rows; r0 += BLOCK) {
    const m = Math.min(BLOCK, rows - r0);
    jsGemm32(false, true, m, hidden, L, latents.subarray(r0 * L, (r0 + m) * L), L, maps.w1, L, pre, hidden, false);
    for (let i = 0; i < m; i++) {
      for (let k = 0; k < hidden; k++) h[i * width + k] = activation((pre[i * hidden + k] as number) + (maps.b1[k] as number));
      for (let e = 0; e < extra; e++) h[i * width + hidden + e] = (extras as Float32Array)[(r0 + i) * extra + e] as number;
    }
    const target = dest.subarray(r0 * out, (r0 + m) * out);
    jsGemm32(false, true, m, out, width, h, width, maps.w2, width, target, out, false);
    for (let i = 0; i < m * out; i++) sum2 += (target[i] as number) ** 2;
    onBlock?.(r0 + m);
  }
  return sum2 / Math.max(1, rows);
}

/** Scales raw map outputs to RMS norm `signal` (gain measured on a pilot), adds the mean and noise. */
function finish(maps: LayerMaps, dest: Float32Array, gain: number, rng: Prng, noise: number): void {
  const out = maps.out;
  const noiseRow = new Float32Array(out);
  for (let r0 = 0; r0 < dest.length; r0 += out) {
    rng.fillNoise(noiseRow, noise);
    for (let j = 0; j < out; j++) dest[r0 + j] = gain * (dest[r0 + j] as number) + (maps.mean[j] as number) + (noiseRow[j] as number);
  }
}

/** Image latents: topic centres plus spread, scaled per factor, with a few near duplicates. */
function imageLatents(rng: Prng, n: number, nTopics: number): { z: Float32Array; topic: Int32Array } {
  const L = MODEL.latentDim;
  const scale = new Float32Array(L);
  for (let k = 0; k < L; k++) scale[k] = 1 / Math.sqrt(1 + k / MODEL.latentDecay);
  const centres = gaussianMatrix(rng, nTopics, L, 1);
  const z = new Float32Array(n * L);
  const topic = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    if (i > 0 && rng.uniform() < MODEL.nearDuplicates) {
      const j = rng.below(i);
      topic[i] = topic[j] as number;
      for (let k = 0; k < L; k++) z[i * L + k] = (z[j * L + k] as number) + MODEL.nearDuplicateNoise * (scale[k] as number) * rng.normal();
      continue;
    }
    const t = rng.below(nTopics);
    topic[i] = t;
    for (let k = 0; k < L; k++) z[i * L + k] = (scale[k] as number) * ((centres[t * L + k] as number) + MODEL.topicSpread * rng.normal());
  }
  return { z, topic };
}

/** Each caption's partial, noisy view of its image's latent. */
function captionLatents(rng: Prng, z: Float32Array, imageOf: Int32Array): Float32Array {
  const L = MODEL.latentDim;
  const out = new Float32Array(imageOf.length * L);
  for (let c = 0; c < imageOf.length; c++) {
    const i = imageOf[c] as number;
    for (let k = 0; k < L; k++) {
      const keep = rng.uniform() < MODEL.captionKeep ? 1 : 0;
      out[c * L + k] = keep * (z[i * L + k] as number) + (MODEL.captionNoise * rng.normal()) / Math.sqrt(1 + k / MODEL.latentDecay);
    }
  }
  return out;
}

/** The gain that brings a map's outputs to RMS norm `signal`, measured on pilot rows. */
function pilotGain(maps: LayerMaps, latents: Float32Array, extras: Float32Array | undefined, signal: number): number {
  const rows = latents.length / MODEL.latentDim;
  const meanSquare = project(maps, latents, extras, rows, new Float32Array(rows * maps.out));
  return signal / Math.sqrt(meanSquare);
}

const ADJECTIVES = ["small", "large", "young", "old", "red", "blue", "smiling", "busy", "quiet", "bright", "dark", "happy"];
const SUBJECTS = ["man", "woman", "dog", "child", "group of people", "girl", "boy", "cyclist", "crowd", "musician", "player", "cat"];
const ACTIONS = ["walks along", "stands near", "plays in", "sits beside", "runs across", "looks at", "waits by", "rides through"];
const PLACES = ["a street", "the beach", "a park", "a field", "the water", "a building", "a market", "the snow", "a stage", "a kitchen"];

function pick(words: readonly string[], n: number): string {
  return words[((n % words.length) + words.length) % words.length] as string;
}

/** A caption sentence from the image's topic and latent signs, with caption-level variation. */
function captionText(rng: Prng, topic: number, z: Float32Array, image: number): string {
  const L = MODEL.latentDim;
  const sign = (k: number): number => ((z[image * L + k] as number) > 0 ? 1 : 0);
  const adjective = pick(ADJECTIVES, 2 * sign(0) + sign(1) + 4 * rng.below(3));
  return `A ${adjective} ${pick(SUBJECTS, topic)} ${pick(ACTIONS, topic + sign(2) + rng.below(2))} ${pick(PLACES, topic * 3 + sign(3))}.`;
}

function imageNames(rng: Prng, n: number, taken: Set<string>): string[] {
  const names: string[] = [];
  while (names.length < n) {
    const name = `${1000000000 + Math.floor(rng.uniform() * 8999999999)}.jpg`;
    if (taken.has(name)) continue;
    taken.add(name);
    names.push(name);
  }
  return names;
}

/** Generates the synthetic train and test data for a spec; same spec, same bytes. */
export function generateSynthetic(spec: SyntheticSpec, onProgress?: SyntheticProgress): SyntheticData {
  const { images, captionsPerImage: k, testCaptions: nTest, seed } = spec;
  const nAll = images + nTest;
  const nCap = images * k;
  const model = new Prng(seed, "synthetic/model");
  const imageMaps = makeMaps(model, MODEL.imageHidden, 0, 0, IMAGE_DIM, MODEL.imageMeanNorm, MODEL.imageDrive, gelu);
  const textMaps = makeMaps(model, MODEL.textHidden, MODEL.styleRank, MODEL.styleScale, TEXT_DIM, MODEL.textMeanNorm, MODEL.textDrive, Math.tanh);
  const topics = Math.max(2, Math.round(nAll / MODEL.imagesPerTopic));

  // Gains from pilot rows drawn from the same model, so every size shares one scale.
  const pilotRng = new Prng(seed, "synthetic/pilot");
  const pilot = imageLatents(pilotRng, PILOT_ROWS, Math.max(2, Math.round(PILOT_ROWS / MODEL.imagesPerTopic)));
  const pilotStyle = gaussianMatrix(pilotRng, PILOT_ROWS, MODEL.styleRank, 1);
  const imageGain = pilotGain(imageMaps, pilot.z, undefined, MODEL.imageSignal);
  const textGain = pilotGain(textMaps, captionLatents(pilotRng, pilot.z, Int32Array.from({ length: PILOT_ROWS }, (_, i) => i)), pilotStyle, MODEL.textSignal);

  const { z, topic } = imageLatents(new Prng(seed, "synthetic/latents"), nAll, topics);
  const total = nAll + nCap + nTest;
  const report = (done: number, phase: string): void => onProgress?.(done, total, phase);

  const allImages = new Float32Array(nAll * IMAGE_DIM);
  project(imageMaps, z, undefined, nAll, allImages, (d) => report(d, "images"));
  finish(imageMaps, allImages, imageGain, new Prng(seed, "synthetic/image-noise"), MODEL.imageNoise);

  // Captions: train captions (k per image, contiguous), then one per hidden test image.
  const imageOf = new Int32Array(nCap + nTest);
  for (let c = 0; c < nCap; c++) imageOf[c] = Math.floor(c / k);
  for (let t = 0; t < nTest; t++) imageOf[nCap + t] = images + t;
  const zc = captionLatents(new Prng(seed, "synthetic/captions"), z, imageOf);
  const style = gaussianMatrix(new Prng(seed, "synthetic/style"), nCap + nTest, MODEL.styleRank, 1);
  const allCaptions = new Float32Array((nCap + nTest) * TEXT_DIM);
  project(textMaps, zc, style, nCap + nTest, allCaptions, (d) => report(nAll + d, "captions"));
  finish(textMaps, allCaptions, textGain, new Prng(seed, "synthetic/text-noise"), MODEL.textNoise);

  const textRng = new Prng(seed, "synthetic/text");
  const texts = Array.from(imageOf, (i) => captionText(textRng, topic[i] as number, z, i));
  const names = imageNames(new Prng(seed, "synthetic/names"), nAll, new Set());
  return {
    train: {
      captions: { rows: nCap, cols: TEXT_DIM, data: allCaptions.subarray(0, nCap * TEXT_DIM) },
      images: { rows: images, cols: IMAGE_DIM, data: allImages.subarray(0, images * IMAGE_DIM) },
      labels: imageOf.slice(0, nCap),
      captionIds: BigInt64Array.from({ length: nCap }, (_, i) => BigInt(i)),
      captionText: texts.slice(0, nCap),
      imageNames: names.slice(0, images),
    },
    test: {
      captions: { rows: nTest, cols: TEXT_DIM, data: allCaptions.subarray(nCap * TEXT_DIM) },
      ids: Int32Array.from({ length: nTest }, (_, i) => i + 1),
      text: texts.slice(nCap),
      images: { rows: nTest, cols: IMAGE_DIM, data: allImages.subarray(images * IMAGE_DIM) },
      imageNames: names.slice(images),
    },
  };
}
