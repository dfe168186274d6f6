// The .npz reader and writer: archives np.savez / np.savez_compressed wrote, ours read back by NumPy.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { type NdArray } from "../../../stages/lib/io/npy.js";
import { closeNpz, openNpz, readArray, withNpz } from "../../../stages/lib/io/npz-archive.js";
import { OneHotReducer, readLabelIndices } from "../../../stages/lib/io/npz-labels.js";
import { writeNpz, type NpyStream } from "../../../stages/lib/io/npz-write.js";
import { Prng } from "../../../stages/lib/core/prng.js";
import { expected, failure, fx, numpyMissing, pythonJson, tempDir, unwrap } from "../helpers/data-fixtures.js";

const KEYS = [
  "metadata/num_captions",
  "metadata/num_images",
  "metadata/embedding_dim_text",
  "metadata/embedding_dim_image",
  "captions/ids",
  "captions/text",
  "captions/embeddings",
  "captions/label",
  "images/names",
  "images/embeddings",
];

function numbers(a: NdArray): number[] {
  if (a.dtype === "unicode") throw new Error("not numeric");
  return a.dtype === "int64" ? Array.from(a.data, (v) => Number(v)) : Array.from(a.data as ArrayLike<number>);
}

describe.each(["savez.npz", "savez_compressed.npz"])("openNpz on %s (NumPy-written, ZIP64 members)", (name) => {
  it("lists every member with dtype and shape from its header, object arrays as skipped", async () => {
    const archive = unwrap(await openNpz(fx(name)));
    try {
      expect([...archive.members.keys()]).toEqual(KEYS);
      expect(archive.members.get("captions/label")?.header).toMatchObject({ descr: "|b1", dtype: "bool", shape: [8, 4] });
      expect(archive.members.get("captions/embeddings")?.header).toMatchObject({ descr: "<f4", shape: [8, 6] });
      expect(archive.members.get("captions/embeddings")?.compressed).toBe(name === "savez_compressed.npz");
      expect([...archive.skipped.keys()]).toEqual(["captions/text", "images/names"]);
      expect(archive.skipped.get("captions/text")).toMatch(/pickled object array/);
    } finally {
      closeNpz(archive);
    }
  });

  it("reads every numeric member value for value", async () => {
    await withNpz(fx(name), async (archive) => {
      for (const key of ["captions/embeddings", "images/embeddings", "captions/ids"]) {
        const a = unwrap(await readArray(archive, key));
        expect(a.shape).toEqual(expected(`train:${key}`).shape);
        expect(numbers(a)).toEqual(expected(`train:${key}`).values);
      }
      expect(numbers(unwrap(await readArray(archive, "metadata/num_images")))).toEqual([4]);
      const label = unwrap(await readArray(archive, "captions/label"));
      expect(label.dtype).toBe("bool");
      expect(label.shape).toEqual([8, 4]);
      return { ok: true, value: undefined };
    });
  });

  it("reduces the one-hot bool labels to image indices", async () => {
    const archive = unwrap(await openNpz(fx(name)));
    expect(Array.from(unwrap(await readLabelIndices(archive, "captions/label", 4)))).toEqual(expected("train:labels").values);
    closeNpz(archive);
  });

  it("refuses an object array with a reason and names the keys present for a missing one", async () => {
    const archive = unwrap(await openNpz(fx(name)));
    const o = failure(await readArray(archive, "captions/text"));
    expect(o.reason).toBe("object-array");
    expect(o.message).toBe(`${fx(name)} [captions/text]: cannot read: pickled object array (needs Python to read)`);
    const m = failure(await readArray(archive, "captions/embedding"));
    expect(m.reason).toBe("missing-key");
    expect(m.message).toBe(`${fx(name)} [captions/embedding]: no array "captions/embedding" in the archive (it has: ${KEYS.join(", ")})`);
    closeNpz(archive);
  });
});

describe("label vectors and bad labels", () => {
  it("accepts an int64 index vector and <U strings", async () => {
    const archive = unwrap(await openNpz(fx("index_labels.npz")));
    expect(Array.from(unwrap(await readLabelIndices(archive, "captions/label", 4)))).toEqual(expected("train:labels").values);
    expect(failure(await readLabelIndices(archive, "captions/label", 3)).message).toMatch(/caption 6 has image index 3, outside 0\.\.2/);
    expect(unwrap(await readArray(archive, "captions/text")).data).toEqual(expected("index_labels:captions/text").values);
    closeNpz(archive);
  });

  it("names the row with two True values and the row with none", async () => {
    const two = unwrap(await openNpz(fx("two_true.npz")));
    const e2 = failure(await readLabelIndices(two, "captions/label", 4));
    expect(e2.reason).toBe("bad-label");
    expect(e2.message).toBe(`${fx("two_true.npz")} [captions/label]: row 5 is not one-hot: True at columns 0 and 2`);
    closeNpz(two);
    const none = unwrap(await openNpz(fx("no_true.npz")));
    expect(failure(await readLabelIndices(none, "captions/label", 4)).message).toBe(`${fx("no_true.npz")} [captions/label]: row 3 has no True value (caption without an image)`);
    closeNpz(none);
  });

  it("a label matrix whose width is not the image count is a count mismatch", async () => {
    const archive = unwrap(await openNpz(fx("savez_compressed.npz")));
    expect(failure(await readLabelIndices(archive, "captions/label", 5)).message).toMatch(/has 4 columns but there are 5 images/);
    closeNpz(archive);
  });

  it("OneHotReducer gives the same indices however the bytes are chunked", () => {
    const rng = new Prng(3);
    const rows = 300;
    const cols = 37;
    const labels = Int32Array.from({ length: rows }, () => rng.below(cols));
    const bytes = new Uint8Array(rows * cols);
    labels.forEach((l, r) => (bytes[r * cols + l] = 1));
    for (const maxChunk of [1, 5, 36, 37, 38, 1000, rows * cols]) {
      const reducer = new OneHotReducer(rows, cols, "f", "k");
      for (let at = 0; at < bytes.length; ) {
        const n = 1 + rng.below(maxChunk);
        expect(reducer.push(bytes.subarray(at, at + n))).toBeUndefined();
        at += n;
      }
      expect(unwrap(reducer.finish())).toEqual(labels);
    }
    const short = new OneHotReducer(rows, cols, "f", "k");
    short.push(bytes.subarray(0, bytes.length - 1));
    expect(failure(short.finish()).message).toBe("f [k]: only 299 of 300 label rows arrived");
  });
});

describe("damaged archives", () => {
  it("a truncated archive, a non-zip and a missing file each say so, naming the file", async () => {
    const t = failure(await openNpz(fx("truncated.npz")));
    expect(t.reason).toBe("truncated");
    expect(t.message).toMatch(/^.*truncated\.npz: the archive is truncated or damaged \(.*\); download it again$/);
    const z = failure(await openNpz(fx("not_zip.npz")));
    expect(z.reason).toBe("not-zip");
    expect(z.message).toContain("not_zip.npz: not an .npz archive");
    const m = failure(await openNpz(fx("absent.npz")));
    expect(m).toEqual({ reason: "missing-file", file: fx("absent.npz"), message: `${fx("absent.npz")}: no such file` });
  });

  it.each([
    ["inflate fails", 0xff],
    ["CRC-32 differs", 0x00],
  ])("a member whose data is damaged is reported when read (%s), naming the key", async (_, fill) => {
    const file = path.join(tempDir(), "damaged.npz");
    const bytes = readFileSync(fx("savez_compressed.npz"));
    const archive = unwrap(await openNpz(fx("savez_compressed.npz")));
    const size = archive.members.get("captions/embeddings")?.compressedSize ?? 0;
    closeNpz(archive);
    // The local header: 30 bytes, the name, then the extra field whose length sits just before the name.
    const name = bytes.indexOf(Buffer.from("captions/embeddings.npy"));
    const dataStart = name + 23 + bytes.readUInt16LE(name - 2);
    bytes.fill(fill, dataStart + size - 60, dataStart + size - 40);
    writeFileSync(file, bytes);
    const damaged = unwrap(await openNpz(file));
    const e = failure(await readArray(damaged, "captions/embeddings"));
    expect(e.reason).toBe("truncated");
    expect(e.message).toMatch(/damaged\.npz \[captions\/embeddings\]: the member('s data is damaged| inflates to)/);
    closeNpz(damaged);
  });
});

describe("writeNpz", () => {
  const arrays: Record<string, NdArray> = {
    "captions/embeddings": { dtype: "float32", shape: [3, 2], data: Float32Array.of(0.1, -2, 3.5, 1e-7, 5, 6), fortranOrder: false },
    "captions/ids": { dtype: "int64", shape: [3], data: BigInt64Array.of(1n, 2n, 3n), fortranOrder: false },
    "captions/text": { dtype: "unicode", shape: [3], data: ["a, b", "ünï", "😀"], fortranOrder: false },
    "metadata/num_images": { dtype: "int64", shape: [1], data: BigInt64Array.of(2n), fortranOrder: false },
    "w/float64": { dtype: "float64", shape: [2, 1], data: Float64Array.of(Math.E, -0.5), fortranOrder: false },
  };
  const label: NpyStream = {
    dtype: "bool",
    shape: [3, 2],
    *chunks() {
      yield Uint8Array.of(1, 0, 0);
      yield Uint8Array.of(1, 0, 1);
    },
  };

  it.each([true, false])("round-trips arrays and a streamed member (compress %s)", async (compress) => {
    const file = path.join(tempDir(), "out.npz");
    await writeNpz(file, { ...arrays, "captions/label": label }, { compress });
    const archive = unwrap(await openNpz(file));
    expect([...archive.members.keys()]).toEqual([...Object.keys(arrays), "captions/label"]);
    for (const [key, a] of Object.entries(arrays)) expect(unwrap(await readArray(archive, key))).toEqual(a);
    expect(unwrap(await readLabelIndices(archive, "captions/label", 2))).toEqual(Int32Array.of(0, 1, 1));
    expect(archive.members.get("captions/label")?.compressed).toBe(compress);
    closeNpz(archive);
  });

  it("a stream that yields the wrong number of bytes is an error, and no file is left", async () => {
    const dir = tempDir();
    const file = path.join(dir, "bad.npz");
    const short: NpyStream = { dtype: "float32", shape: [4], *chunks() { yield new Uint8Array(8); } };
    await expect(writeNpz(file, { x: short })).rejects.toThrow();
    expect(readdirSync(dir)).toEqual([]);
  });

  it.skipIf(numpyMissing !== undefined)(`NumPy np.load reads our archive value for value${numpyMissing ? ` (skipped: ${numpyMissing})` : ""}`, async () => {
    const file = path.join(tempDir(), "numpy.npz");
    await writeNpz(file, { ...arrays, "captions/label": label });
    const got = pythonJson(
      "import sys, json, numpy as np\nd = np.load(sys.argv[1])\nprint(json.dumps({k: {'dtype': d[k].dtype.str, 'shape': list(d[k].shape), 'values': d[k].ravel().tolist()} for k in d.files}))",
      file,
    ) as Record<string, { dtype: string; shape: number[]; values: unknown[] }>;
    expect(Object.keys(got)).toEqual([...Object.keys(arrays), "captions/label"]);
    expect(got["captions/embeddings"]).toEqual({ dtype: "<f4", shape: [3, 2], values: Array.from(arrays["captions/embeddings"]!.data as Float32Array) });
    expect(got["captions/ids"]).toEqual({ dtype: "<i8", shape: [3], values: [1, 2, 3] });
    expect(got["captions/text"]).toEqual({ dtype: "<U4", shape: [3], values: ["a, b", "ünï", "😀"] });
    expect(got["w/float64"]).toEqual({ dtype: "<f8", shape: [2, 1], values: [Math.E, -0.5] });
    expect(got["captions/label"]).toEqual({ dtype: "|b1", shape: [3, 2], values: [true, false, false, true, false, true] });
  });
});
