// The benchmarks' fixed synthetic dataset (train.npz, test.clean.npz, captions.txt in the organisers'
// layout), written once per size into the system temp folder and reused.
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { generateSynthetic } from "../stages/lib/data/synthetic.js";
import { writeSyntheticFiles, type SyntheticFiles } from "../stages/lib/data/synthetic-files.js";

/** Captions per image, test captions and seed of every benchmark dataset (the challenge's shape). */
export const BENCH_SPEC = { captionsPerImage: 5, testCaptions: 1500, seed: 42 } as const;

/** Where a dataset of `images` images lives, and how long writing it took (null when reused). */
export interface BenchData {
  readonly dir: string;
  readonly files: SyntheticFiles;
  readonly images: number;
  readonly captions: number;
  readonly writeSeconds: number | null;
}

/** Writes the dataset of `images` images (seed 42, 5 captions each, 1,500 test captions) unless a complete copy exists. */
export async function ensureSyntheticData(images: number): Promise<BenchData> {
  const dir = path.join(os.tmpdir(), `dag-bench-data-${images}-seed${BENCH_SPEC.seed}`);
  const files = { train: path.join(dir, "train.npz"), test: path.join(dir, "test.clean.npz"), captions: path.join(dir, "captions.txt") };
  const done = path.join(dir, "complete");
  const captions = images * BENCH_SPEC.captionsPerImage;
  if (existsSync(done) && Object.values(files).every((f) => existsSync(f))) return { dir, files, images, captions, writeSeconds: null };
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const started = performance.now();
  await writeSyntheticFiles(dir, generateSynthetic({ images, ...BENCH_SPEC }));
  writeFileSync(done, "");
  return { dir, files, images, captions, writeSeconds: (performance.now() - started) / 1000 };
}
