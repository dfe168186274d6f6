// The load stage end to end: run as a real child process with a job.json, both sources.
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { formatCaptionsCsv } from "../../stages/lib/io/captions-csv.js";
import { readIndex, readMatrix } from "../../stages/lib/protocol/stage-data.js";
import { writeNpz } from "../../stages/lib/io/npz-write.js";
import { generateSynthetic, IMAGE_DIM, TEXT_DIM } from "../../stages/lib/data/synthetic.js";
import { testMembers, trainMembers, writeSyntheticFiles } from "../../stages/lib/data/synthetic-files.js";
import { tempDir } from "./helpers/data-fixtures.js";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const OUTS = ["captions.npy", "images.npy", "labels.npy", "train_idx.npy", "val_idx.npy", "test_captions.npy", "test_ids.npy", "test_images.npy", "summary.json"];
const SMALL = { images: 40, captions_per_image: 5, test_captions: 30, seed: 5 };

interface Run {
  readonly status: number | null;
  readonly stderr: string;
  readonly out: (name: string) => string;
  readonly summary: () => Record<string, any>;
}

/** The three data inputs of source: files, in `root`/data. */
function dataDeps(root: string): Record<string, string> {
  return { train: path.join(root, "data/train.npz"), test: path.join(root, "data/test.clean.npz"), test_captions: path.join(root, "data/captions.txt") };
}

/** Runs `node --import tsx stages/load.ts` on a job for `params` and `deps`. */
function runLoad(params: Record<string, unknown>, deps: Record<string, string> = {}): Run {
  const dir = tempDir("dag-load-job-");
  const outDir = path.join(dir, "out");
  mkdirSync(outDir);
  const outs = Object.fromEntries(OUTS.map((o) => [o, path.join(outDir, o)]));
  const job = { stage: "load", params, deps, outDir, outs, seed: 42 };
  writeFileSync(path.join(dir, "job.json"), JSON.stringify(job));
  const r = spawnSync(process.execPath, ["--import", "tsx", "stages/load.ts"], { cwd: REPO, env: { ...process.env, DAG_JOB: path.join(dir, "job.json") }, encoding: "utf8" });
  return {
    status: r.status,
    stderr: r.stderr,
    out: (name) => outs[name] as string,
    summary: () => JSON.parse(readFileSync(outs["summary.json"] as string, "utf8")) as Record<string, any>,
  };
}

/** stderr without the progress/meta lines a stage prints when run without an IPC channel. */
function errors(stderr: string): string {
  return stderr
    .split("\n")
    .filter((l) => l !== "" && !l.startsWith("["))
    .join("\n");
}

function bytesOf(a: ArrayBufferView): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

describe("load stage, source: synthetic", () => {
  it("writes every declared output with the data, a by-image split and the hidden test gallery", () => {
    const run = runLoad({ source: "synthetic", synthetic: SMALL, split: "image", val_fraction: 0.2, non_finite: "fail", seed: 3 });
    expect(run.status, run.stderr).toBe(0);
    const want = generateSynthetic({ images: 40, captionsPerImage: 5, testCaptions: 30, seed: 5 });
    const captions = readMatrix(run.out("captions.npy"));
    expect([captions.rows, captions.cols]).toEqual([200, TEXT_DIM]);
    expect(bytesOf(captions.data).equals(bytesOf(want.train.captions.data))).toBe(true);
    expect(bytesOf(readMatrix(run.out("images.npy")).data).equals(bytesOf(want.train.images.data))).toBe(true);
    const labels = readIndex(run.out("labels.npy"));
    expect(labels).toEqual(want.train.labels);
    const train = readIndex(run.out("train_idx.npy"));
    const val = readIndex(run.out("val_idx.npy"));
    expect(train.length + val.length).toBe(200);
    expect(val.length).toBe(40);
    const trainImages = new Set(Array.from(train, (i) => labels[i]));
    expect(Array.from(val).every((i) => !trainImages.has(labels[i]))).toBe(true);
    expect(Array.from(val)).toEqual(Array.from(val).sort((a, b) => a - b));
    const testImages = readMatrix(run.out("test_images.npy"));
    expect([testImages.rows, testImages.cols]).toEqual([30, IMAGE_DIM]);
    expect(readIndex(run.out("test_ids.npy"))).toEqual(Int32Array.from({ length: 30 }, (_, i) => i + 1));
    expect(readMatrix(run.out("test_captions.npy")).rows).toBe(30);
    const s = run.summary();
    expect(s["source"]).toBe("synthetic");
    expect(s["counts"]).toEqual({ captions: 200, images: 40, test_captions: 30, test_images: 30, train_captions: 160, val_captions: 40, train_images: 32, val_images: 8 });
    expect(s["widths"]).toEqual({ text: TEXT_DIM, image: IMAGE_DIM });
    expect(s["split"]).toEqual({ mode: "image", val_fraction: 0.2, seed: 3 });
  });

  it("declares no data inputs: deps naming data files are refused", () => {
    const run = runLoad({ source: "synthetic", synthetic: SMALL }, dataDeps(tempDir("dag-load-root-")));
    expect(run.status).toBe(1);
    expect(errors(run.stderr)).toBe("error: stage load: params.source is synthetic but deps name data files (train, test, test_captions); remove them, or set source: files");
  });

  it("a bad param is one clear line and exit 1", () => {
    const run = runLoad({ source: "synthetic", synthetic: SMALL, split: "random" });
    expect(run.status).toBe(1);
    expect(errors(run.stderr)).toBe('error: stage load: params.split must be one of image | caption, got "random"');
    const size = runLoad({ source: "synthetic", synthetic: { ...SMALL, images: 1.5 } });
    expect(errors(size.stderr)).toBe("error: stage load: params.synthetic.images must be an integer ≥ 2, got 1.5");
  });
});

describe("load stage, source: files", () => {
  it("reads the organisers' layout from data/ and checks the test ids against captions.txt", async () => {
    const root = tempDir("dag-load-root-");
    mkdirSync(path.join(root, "data"));
    const d = generateSynthetic({ images: 30, captionsPerImage: 5, testCaptions: 20, seed: 8 });
    await writeSyntheticFiles(path.join(root, "data"), d);
    const run = runLoad({ source: "files", split: "caption", val_fraction: 0.1 }, dataDeps(root));
    expect(run.status, run.stderr).toBe(0);
    expect(bytesOf(readMatrix(run.out("captions.npy")).data).equals(bytesOf(d.train.captions.data))).toBe(true);
    expect(readIndex(run.out("labels.npy"))).toEqual(d.train.labels);
    expect(readIndex(run.out("test_ids.npy"))).toEqual(d.test.ids);
    const testImages = readMatrix(run.out("test_images.npy"));
    expect([testImages.rows, testImages.cols]).toEqual([0, IMAGE_DIM]);
    const s = run.summary();
    expect(s["source"]).toBe("files");
    expect(s["test_ids"]).toEqual({ source: "captions.txt = npz captions/ids", first: 1, last: 20 });
    expect(s["counts"]["val_captions"]).toBe(15);
    expect(s["skipped"]).toEqual({ train: {}, test: {} });
    expect(s["non_finite_rows"]).toEqual({ captions: 0, images: 0, test_captions: 0, action: "fail" });
  });

  it("test ids that disagree with captions.txt fail the stage naming both files", async () => {
    const root = tempDir("dag-load-root-");
    mkdirSync(path.join(root, "data"));
    const d = generateSynthetic({ images: 10, captionsPerImage: 5, testCaptions: 6, seed: 8 });
    await writeSyntheticFiles(path.join(root, "data"), d);
    writeFileSync(path.join(root, "data/captions.txt"), formatCaptionsCsv(Int32Array.of(1, 2, 3, 4, 5, 7), d.test.text));
    const run = runLoad({ source: "files" }, dataDeps(root));
    expect(run.status).toBe(1);
    expect(errors(run.stderr)).toBe(
      `error: ${root}/data/captions.txt: row 5: ${root}/data/captions.txt has id 7, ${root}/data/test.clean.npz [captions/ids] has id 6; fix the files (ids are never renumbered)`,
    );
  });

  it("NaN rows fail by default, naming file, key and rows; non_finite: zero zeroes them", async () => {
    const root = tempDir("dag-load-root-");
    mkdirSync(path.join(root, "data"));
    const d = generateSynthetic({ images: 10, captionsPerImage: 5, testCaptions: 6, seed: 8 });
    d.train.captions.data[3 * TEXT_DIM + 7] = Number.NaN;
    d.train.captions.data[9 * TEXT_DIM] = Number.POSITIVE_INFINITY;
    await writeNpz(path.join(root, "data/train.npz"), trainMembers(d));
    await writeNpz(path.join(root, "data/test.clean.npz"), testMembers(d));
    writeFileSync(path.join(root, "data/captions.txt"), formatCaptionsCsv(d.test.ids, d.test.text));
    const failed = runLoad({ source: "files", non_finite: "fail" }, dataDeps(root));
    expect(failed.status).toBe(1);
    expect(errors(failed.stderr)).toBe(`error: ${root}/data/train.npz [captions/embeddings]: 2 rows hold NaN or Inf values (rows 3, 9); set params.non_finite: zero in stage load to zero them`);
    const zeroed = runLoad({ source: "files", non_finite: "zero" }, dataDeps(root));
    expect(zeroed.status, zeroed.stderr).toBe(0);
    expect(zeroed.summary()["non_finite_rows"]).toEqual({ captions: 2, images: 0, test_captions: 0, action: "zero" });
    const captions = readMatrix(zeroed.out("captions.npy"));
    expect(captions.data.subarray(3 * TEXT_DIM, 4 * TEXT_DIM).every((v) => v === 0)).toBe(true);
    expect(captions.data.subarray(4 * TEXT_DIM, 5 * TEXT_DIM).some((v) => v !== 0)).toBe(true);
  });

  it("a missing train file is one line naming it", () => {
    const root = tempDir("dag-load-root-");
    const run = runLoad({ source: "files" }, { ...dataDeps(root), train: path.join(root, "data/nope.npz") });
    expect(run.status).toBe(1);
    expect(errors(run.stderr)).toMatch(/^error: .*\/data\/nope\.npz: no such file$/);
  });

  it("reads no file it is not handed as an input: file params are refused, and the files must be deps", () => {
    const legacy = runLoad({ source: "files", train: "/tmp/ext/train.npz" });
    expect(legacy.status).toBe(1);
    expect(errors(legacy.stderr)).toBe('error: stage load: params.train is not read: a file the stage reads is an input, so name it under deps (train: "/tmp/ext/train.npz") in pipeline.yaml');
    const none = runLoad({ source: "files" });
    expect(none.status).toBe(1);
    expect(errors(none.stderr)).toMatch(/^error: stage load: source: files reads its inputs train and test/);
  });

  it("without captions.txt as an input the npz ids are the test ids", async () => {
    const root = tempDir("dag-load-root-");
    mkdirSync(path.join(root, "data"));
    const d = generateSynthetic({ images: 10, captionsPerImage: 5, testCaptions: 6, seed: 8 });
    await writeSyntheticFiles(path.join(root, "data"), d);
    const { train, test } = dataDeps(root);
    const run = runLoad({ source: "files" }, { train: train as string, test: test as string });
    expect(run.status, run.stderr).toBe(0);
    expect(run.summary()["test_ids"]).toEqual({ source: "npz captions/ids", first: 1, last: 6 });
  });
});
