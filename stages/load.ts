// The load stage: the challenge data (the organisers' files or the built-in synthetic set) as raw
// .npy matrices, a label vector and a train/validation split, plus the test captions and ids.
//
// source: files reads its inputs `train` (train.npz), `test` (test.clean.npz) and, when declared,
// `test_captions` (captions.txt): deps in pipeline.yaml, so their content is in the stage's key.
// source: synthetic generates the data from params.synthetic and declares no data inputs, so
// files dropped into data/ leave it cached.
import { writeFileSync } from "node:fs";
import { readTestFiles, readTrainNpz, type TestIdsSource } from "./lib/data/challenge-data.js";
import { StageProgress } from "./lib/protocol/progress.js";
import { choiceParam, depPath, hasDep, outPath, param, reportMeta, reportMetrics, runStage, StageError, type Job } from "./lib/protocol/job.js";
import { type Matrix } from "./lib/core/matrix.js";
import { zeroRows } from "./lib/data/non-finite.js";
import { writeIndex, writeMatrix } from "./lib/io/npy-write.js";
import { type DataError } from "./lib/io/data-error.js";
import { type Result } from "./lib/core/result.js";
import { splitCaptions, type SplitMode } from "./lib/data/split.js";
import { generateSynthetic } from "./lib/data/synthetic.js";

/** Everything the stage writes, whatever the source. */
interface Loaded {
  readonly captions: Matrix;
  readonly images: Matrix;
  readonly labels: Int32Array;
  readonly testCaptions: Matrix;
  readonly testIds: Int32Array;
  /** The hidden test gallery (synthetic only; 0 rows for real files). */
  readonly testImages: Matrix;
  readonly testIdsSource: TestIdsSource | "synthetic";
  readonly skipped: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** Rows with NaN/±Inf per output matrix, with the file and key they came from. */
  readonly nonFinite: readonly { readonly name: string; readonly where: string; readonly rows: Int32Array; readonly matrix: Matrix }[];
  readonly files?: Readonly<Record<string, string>>;
}

function orFail<T>(result: Result<T, DataError>): T {
  if (!result.ok) throw new StageError(result.error.message);
  return result.value;
}

function positiveInt(job: Job, where: string, value: unknown, min: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min) {
    throw new StageError(`stage ${job.stage}: params.${where} must be an integer ≥ ${min}, got ${JSON.stringify(value)}`);
  }
  return value;
}

function loadSynthetic(job: Job): Loaded {
  const spec = param<Record<string, unknown>>(job, "synthetic", {});
  const images = positiveInt(job, "synthetic.images", spec["images"] ?? 2000, 2);
  const captionsPerImage = positiveInt(job, "synthetic.captions_per_image", spec["captions_per_image"] ?? 5, 1);
  const testCaptions = positiveInt(job, "synthetic.test_captions", spec["test_captions"] ?? 1500, 1);
  const seed = positiveInt(job, "synthetic.seed", spec["seed"] ?? job.seed, 0);
  const data = generateSynthetic({ images, captionsPerImage, testCaptions, seed }, (done, total, phase) => progress.report("read", done, total, `generate ${phase}`));
  return {
    captions: data.train.captions,
    images: data.train.images,
    labels: data.train.labels,
    testCaptions: data.test.captions,
    testIds: data.test.ids,
    testImages: data.test.images,
    testIdsSource: "synthetic",
    skipped: {},
    nonFinite: [],
  };
}

/** The data inputs of source: files; a synthetic load declares none of them. */
const FILE_INPUTS = ["train", "test", "test_captions"] as const;

/** Fails on params that used to name files: a file a stage reads is a dep, hashed into its key. */
function refuseFileParams(job: Job): void {
  for (const name of FILE_INPUTS) {
    if (job.params[name] !== undefined) {
      throw new StageError(`stage ${job.stage}: params.${name} is not read: a file the stage reads is an input, so name it under deps (${name}: ${JSON.stringify(job.params[name])}) in pipeline.yaml`);
    }
  }
}

/** With source: synthetic, declared data inputs would be hashed for nothing (and make new files in data/ re-run it). */
function refuseFileInputs(job: Job): void {
  const declared = FILE_INPUTS.filter((name) => hasDep(job, name));
  if (declared.length > 0) {
    throw new StageError(`stage ${job.stage}: params.source is synthetic but deps name data files (${declared.join(", ")}); remove them, or set source: files`);
  }
}

async function loadFiles(job: Job): Promise<Loaded> {
  if (!hasDep(job, "train") || !hasDep(job, "test")) {
    throw new StageError(`stage ${job.stage}: source: files reads its inputs train and test (and test_captions if present); add them to its deps, e.g. train: data/train.npz, test: data/test.clean.npz, test_captions: data/captions.txt`);
  }
  const files = { train: depPath(job, "train"), test: depPath(job, "test"), ...(hasDep(job, "test_captions") ? { test_captions: depPath(job, "test_captions") } : {}) };
  const train = orFail(await readTrainNpz(files.train, (done, rows) => progress.report("read", done, rows, "inflate labels")));
  const test = orFail(await readTestFiles(files.test, files.test_captions, train.captions.cols));
  return {
    captions: train.captions,
    images: train.images,
    labels: train.labels,
    testCaptions: test.captions,
    testIds: test.ids,
    testImages: { rows: 0, cols: train.images.cols, data: new Float32Array(0) },
    testIdsSource: test.idsSource,
    skipped: { train: train.skipped, test: test.skipped },
    nonFinite: [
      { name: "captions", where: `${files.train} [captions/embeddings]`, rows: train.nonFinite.captions, matrix: train.captions },
      { name: "images", where: `${files.train} [images/embeddings]`, rows: train.nonFinite.images, matrix: train.images },
      { name: "test_captions", where: `${files.test} [captions/embeddings]`, rows: test.nonFinite, matrix: test.captions },
    ],
    files,
  };
}

/** Fails on rows holding NaN/±Inf, or zeroes them, as params.non_finite says; returns the counts. */
function handleNonFinite(job: Job, loaded: Loaded, mode: "fail" | "zero"): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const { name, where, rows, matrix } of loaded.nonFinite) {
    counts[name] = rows.length;
    if (rows.length === 0) continue;
    if (mode === "fail") {
      const first = Array.from(rows.subarray(0, 5)).join(", ");
      throw new StageError(
        `${where}: ${rows.length} row${rows.length === 1 ? "" : "s"} hold NaN or Inf values (rows ${first}${rows.length > 5 ? ", …" : ""}); set params.non_finite: zero in stage ${job.stage} to zero them`,
      );
    }
    zeroRows(matrix, rows);
  }
  return counts;
}

/** The stage's one bar: reading or generating the data, then writing the outputs (shares as timed on the default data). */
const progress = new StageProgress([["read", 70], ["write", 30]]);

runStage(async (job) => {
  const started = performance.now();
  const source = choiceParam(job, "source", ["synthetic", "files"] as const, "synthetic");
  const splitMode = choiceParam<SplitMode>(job, "split", ["image", "caption"], "image");
  const nonFiniteMode = choiceParam(job, "non_finite", ["fail", "zero"] as const, "fail");
  const valFraction = param(job, "val_fraction", 0.1);
  if (!(valFraction > 0 && valFraction < 1)) throw new StageError(`stage ${job.stage}: params.val_fraction must be between 0 and 1 (exclusive), got ${valFraction}`);
  const seed = param(job, "seed", job.seed);
  reportMeta({ source });

  refuseFileParams(job);
  if (source === "synthetic") refuseFileInputs(job);
  const loaded = source === "synthetic" ? loadSynthetic(job) : await loadFiles(job);
  const nonFinite = handleNonFinite(job, loaded, nonFiniteMode);
  if (loaded.captions.rows < 2 || loaded.images.rows < 2) throw new StageError(`stage ${job.stage}: need at least 2 captions and 2 images, got ${loaded.captions.rows} and ${loaded.images.rows}`);
  const split = splitCaptions(loaded.labels, loaded.images.rows, splitMode, valFraction, seed);

  const outputs: [string, () => void][] = [
    ["captions.npy", () => writeMatrix(outPath(job, "captions.npy"), loaded.captions)],
    ["images.npy", () => writeMatrix(outPath(job, "images.npy"), loaded.images)],
    ["labels.npy", () => writeIndex(outPath(job, "labels.npy"), loaded.labels)],
    ["train_idx.npy", () => writeIndex(outPath(job, "train_idx.npy"), split.train)],
    ["val_idx.npy", () => writeIndex(outPath(job, "val_idx.npy"), split.val)],
    ["test_captions.npy", () => writeMatrix(outPath(job, "test_captions.npy"), loaded.testCaptions)],
    ["test_ids.npy", () => writeIndex(outPath(job, "test_ids.npy"), loaded.testIds)],
    ["test_images.npy", () => writeMatrix(outPath(job, "test_images.npy"), loaded.testImages)],
  ];
  outputs.forEach(([name, write], i) => {
    progress.report("write", i, outputs.length, `write ${name}`);
    write();
  });

  const trainImages = new Set(Array.from(split.train, (i) => loaded.labels[i] as number)).size;
  const counts = {
    captions: loaded.captions.rows,
    images: loaded.images.rows,
    test_captions: loaded.testCaptions.rows,
    test_images: loaded.testImages.rows,
    train_captions: split.train.length,
    val_captions: split.val.length,
    train_images: trainImages,
    val_images: split.valImages,
  };
  const summary = {
    source,
    ...(loaded.files === undefined ? {} : { files: loaded.files }),
    counts,
    widths: { text: loaded.captions.cols, image: loaded.images.cols },
    split: { mode: splitMode, val_fraction: valFraction, seed },
    test_ids: { source: loaded.testIdsSource, first: loaded.testIds[0] ?? null, last: loaded.testIds[loaded.testIds.length - 1] ?? null },
    skipped: loaded.skipped,
    non_finite_rows: { ...nonFinite, action: nonFiniteMode },
    seconds: Math.round(performance.now() - started) / 1000,
  };
  writeFileSync(outPath(job, "summary.json"), JSON.stringify(summary, null, 2) + "\n");
  progress.finish();
  reportMetrics(counts);
});
