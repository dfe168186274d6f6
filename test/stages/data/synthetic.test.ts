// The built-in synthetic data: the organisers' layout, determinism, scale, and its calibration.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseCaptionsCsv } from "../../../stages/lib/io/captions-csv.js";
import { readTestFiles, readTrainNpz } from "../../../stages/lib/data/challenge-data.js";
import { closeNpz, openNpz } from "../../../stages/lib/io/npz-archive.js";
import { generateSynthetic, IMAGE_DIM, TEXT_DIM } from "../../../stages/lib/data/synthetic.js";
import { writeSyntheticFiles } from "../../../stages/lib/data/synthetic-files.js";
import { FIXTURES, numpyMissing, PYTHON, pythonJson, tempDir, unwrap } from "../helpers/data-fixtures.js";

const small = { images: 60, captionsPerImage: 5, testCaptions: 40, seed: 9 };

/** Byte equality of two typed arrays (fast, unlike a deep equal over millions of elements). */
function sameBytes(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

function meanNorm(data: Float32Array, cols: number): number {
  let total = 0;
  const rows = data.length / cols;
  for (let i = 0; i < rows; i++) {
    let s = 0;
    for (let j = 0; j < cols; j++) s += (data[i * cols + j] as number) ** 2;
    total += Math.sqrt(s);
  }
  return total / rows;
}

describe("generateSynthetic", () => {
  const d = generateSynthetic(small);

  it("has the real widths, 5 contiguous captions per image, test ids 1..N and one hidden image per test caption", () => {
    expect([d.train.captions.rows, d.train.captions.cols, d.train.images.rows, d.train.images.cols]).toEqual([300, TEXT_DIM, 60, IMAGE_DIM]);
    expect(Array.from(d.train.labels.subarray(0, 12))).toEqual([0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2]);
    expect(d.train.labels[299]).toBe(59);
    expect(Array.from(d.test.ids.subarray(0, 3))).toEqual([1, 2, 3]);
    expect(d.test.ids[39]).toBe(40);
    expect([d.test.captions.rows, d.test.images.rows, d.test.images.cols]).toEqual([40, 40, IMAGE_DIM]);
    const names = [...d.train.imageNames, ...d.test.imageNames];
    expect(new Set(names).size).toBe(100);
    for (const n of names) expect(n).toMatch(/^\d{10}\.jpg$/);
    expect(d.train.captionText[0]).toMatch(/^A .+\.$/);
  });

  it("is a function of the spec: same seed same bytes, another seed other data", () => {
    const again = generateSynthetic(small);
    expect(sameBytes(again.train.captions.data, d.train.captions.data)).toBe(true);
    expect(sameBytes(again.test.images.data, d.test.images.data)).toBe(true);
    expect(again.train.imageNames).toEqual(d.train.imageNames);
    expect(sameBytes(generateSynthetic({ ...small, seed: 10 }).train.captions.data, d.train.captions.data)).toBe(false);
  });

  it("raw image norms are about 25 (a large common mean) and every value is finite", () => {
    expect(meanNorm(d.train.images.data, IMAGE_DIM)).toBeGreaterThan(23);
    expect(meanNorm(d.train.images.data, IMAGE_DIM)).toBeLessThan(27);
    expect(d.train.captions.data.every(Number.isFinite)).toBe(true);
    expect(d.train.images.data.every(Number.isFinite)).toBe(true);
  });

  it("captions of one image are closer to each other than to other images' captions", () => {
    const c = d.train.captions;
    const cos = (a: number, b: number): number => {
      let ab = 0, aa = 0, bb = 0;
      for (let j = 0; j < c.cols; j++) {
        const x = c.data[a * c.cols + j] as number, y = c.data[b * c.cols + j] as number;
        ab += x * y; aa += x * x; bb += y * y;
      }
      return ab / Math.sqrt(aa * bb);
    };
    let same = 0, other = 0;
    for (let i = 0; i < 50; i++) {
      same += cos(5 * i, 5 * i + 1);
      other += cos(5 * i, 5 * ((i + 7) % 60) + 1);
    }
    expect(same / 50).toBeGreaterThan(other / 50);
  });
});

describe("writeSyntheticFiles", () => {
  it("writes the organisers' keys and dtypes, and our reader gets the generated values back", async () => {
    const dir = tempDir();
    const d = generateSynthetic(small);
    const files = await writeSyntheticFiles(dir, d);
    const archive = unwrap(await openNpz(files.train));
    expect(Object.fromEntries([...archive.members].map(([k, m]) => [k, `${m.header.descr} (${m.header.shape.join(",")})`]))).toEqual({
      "metadata/num_captions": "<i8 (1)",
      "metadata/num_images": "<i8 (1)",
      "metadata/embedding_dim_text": "<i8 (1)",
      "metadata/embedding_dim_image": "<i8 (1)",
      "captions/ids": "<i8 (300)",
      "captions/text": `<U${Math.max(...d.train.captionText.map((t) => t.length))} (300)`,
      "captions/embeddings": "<f4 (300,1024)",
      "captions/label": "<b1 (300,60)",
      "images/names": "<U14 (60)",
      "images/embeddings": "<f4 (60,1536)",
    });
    closeNpz(archive);
    const train = unwrap(await readTrainNpz(files.train));
    expect(sameBytes(train.captions.data, d.train.captions.data)).toBe(true);
    expect(sameBytes(train.images.data, d.train.images.data)).toBe(true);
    expect(train.labels).toEqual(d.train.labels);
    const test = unwrap(await readTestFiles(files.test, files.captions, TEXT_DIM));
    expect(test.ids).toEqual(d.test.ids);
    expect(sameBytes(test.captions.data, d.test.captions.data)).toBe(true);
    expect(unwrap(parseCaptionsCsv(readFileSync(files.captions, "utf8"), files.captions)).captions).toEqual(d.test.text);
  });

  it.skipIf(numpyMissing !== undefined)(`NumPy loads the files with the organisers' keys and the same values${numpyMissing ? ` (skipped: ${numpyMissing})` : ""}`, async () => {
    const dir = tempDir();
    const d = generateSynthetic(small);
    await writeSyntheticFiles(dir, d);
    const got = pythonJson(
      `import sys, json, numpy as np
d = np.load(sys.argv[1] + "/train.npz"); t = np.load(sys.argv[1] + "/test.clean.npz")
print(json.dumps({"train": sorted(d.files), "test": sorted(t.files), "argmax": np.argmax(d["captions/label"], 1).tolist(),
  "onehot": bool((d["captions/label"].sum(1) == 1).all()), "cap00": float(d["captions/embeddings"][0, 0]),
  "img_last": float(d["images/embeddings"][-1, -1]), "ids": t["captions/ids"].tolist()[:3], "name0": str(d["images/names"][0]),
  "meta": [int(d["metadata/num_captions"][0]), int(d["metadata/num_images"][0]), int(t["metadata/embedding_dim_image"][0])]}))`,
      dir,
    ) as Record<string, unknown>;
    expect(got["train"]).toEqual([
      "captions/embeddings",
      "captions/ids",
      "captions/label",
      "captions/text",
      "images/embeddings",
      "images/names",
      "metadata/embedding_dim_image",
      "metadata/embedding_dim_text",
      "metadata/num_captions",
      "metadata/num_images",
    ]);
    expect(got["test"]).toEqual(["captions/embeddings", "captions/ids", "captions/text", "metadata/embedding_dim_image", "metadata/embedding_dim_text", "metadata/num_captions"]);
    expect(got["argmax"]).toEqual(Array.from(d.train.labels));
    expect(got["onehot"]).toBe(true);
    expect(got["cap00"]).toBe(d.train.captions.data[0]);
    expect(got["img_last"]).toBe(d.train.images.data[d.train.images.data.length - 1]);
    expect(got["ids"]).toEqual([1, 2, 3]);
    expect(got["name0"]).toBe(d.train.imageNames[0]);
    expect(got["meta"]).toEqual([300, 60, IMAGE_DIM]);
  });

  it.skipIf(numpyMissing !== undefined)(
    `calibration at the default size: cosine near chance, ridge well above it (calibrate_synthetic.py)${numpyMissing ? ` (skipped: ${numpyMissing})` : ""}`,
    async () => {
      const dir = tempDir();
      const started = performance.now();
      const d = generateSynthetic({ images: 2000, captionsPerImage: 5, testCaptions: 1500, seed: 42 });
      const seconds = (performance.now() - started) / 1000;
      expect(seconds).toBeLessThan(20);
      await writeSyntheticFiles(dir, d, { compress: false });
      const r = spawnSync(PYTHON, [path.join(FIXTURES, "calibrate_synthetic.py"), dir, "--epochs", "0"], { encoding: "utf8" });
      expect(r.status, r.stderr).toBe(0);
      const m = JSON.parse(r.stdout) as Record<string, number>;
      expect(m["mrr_cosine"]).toBeLessThan(0.05);
      expect(m["mrr_ridge"]).toBeGreaterThan(0.2);
      expect(m["mrr_ridge"]).toBeLessThan(0.5);
      expect(m["image_norm_mean"]).toBeGreaterThan(24);
      expect(m["image_norm_mean"]).toBeLessThan(26.5);
    },
  );
});
