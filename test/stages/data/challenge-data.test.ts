// Reading the organisers' files: counts that must agree, ids never renumbered, NaN rows counted.
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { formatCaptionsCsv, parseCaptionsCsv } from "../../../stages/lib/io/captions-csv.js";
import { readTestFiles, readTrainNpz } from "../../../stages/lib/data/challenge-data.js";
import { expected, failure, fx, tempDir, unwrap } from "../helpers/data-fixtures.js";

describe("readTrainNpz", () => {
  it("reads NumPy's savez_compressed train file: embeddings, labels, skipped object arrays", async () => {
    const t = unwrap(await readTrainNpz(fx("savez_compressed.npz")));
    expect([t.captions.rows, t.captions.cols, t.images.rows, t.images.cols]).toEqual([8, 6, 4, 5]);
    expect(Array.from(t.captions.data)).toEqual(expected("train:captions/embeddings").values);
    expect(Array.from(t.images.data)).toEqual(expected("train:images/embeddings").values);
    expect(Array.from(t.labels)).toEqual(expected("train:labels").values);
    expect(Object.keys(t.skipped)).toEqual(["captions/text", "images/names"]);
    expect(t.nonFinite.captions.length + t.nonFinite.images.length).toBe(0);
  });

  it("counts the rows holding NaN or Inf", async () => {
    const t = unwrap(await readTrainNpz(fx("nan_rows.npz")));
    expect(Array.from(t.nonFinite.captions)).toEqual([1, 6]);
    expect(t.nonFinite.images.length).toBe(0);
  });

  it("label rows that disagree with the caption count are an error naming both", async () => {
    const e = failure(await readTrainNpz(fx("label_rows_mismatch.npz")));
    expect(e.reason).toBe("count-mismatch");
    expect(e.message).toBe(`${fx("label_rows_mismatch.npz")} [captions/label]: has 7 rows but captions/embeddings has 8 captions`);
  });

  it("an index-vector label outside [0, images) is an error naming file, key and the bad value", async () => {
    const e = failure(await readTrainNpz(fx("label_out_of_range.npz")));
    expect(e.reason).toBe("bad-label");
    expect(e.message).toBe(`${fx("label_out_of_range.npz")} [captions/label]: caption 5 has image index 4, outside 0..3`);
  });

  it("a uint8 one-hot label holding another value than 0 or 1 is an error naming row, column and value", async () => {
    const e = failure(await readTrainNpz(fx("label_uint8_two.npz")));
    expect(e.reason).toBe("bad-label");
    expect(e.message).toBe(`${fx("label_uint8_two.npz")} [captions/label]: row 2, column 3 holds 2: a one-hot label matrix holds only 0 and 1`);
  });

  it("a missing key lists the keys present", async () => {
    const e = failure(await readTrainNpz(fx("test.npz")));
    expect(e.reason).toBe("missing-key");
    expect(e.message).toContain('no array "images/embeddings" in the archive (it has: metadata/num_captions');
  });
});

describe("readTestFiles", () => {
  it("takes the ids from captions.txt after checking them against the npz captions/ids", async () => {
    const t = unwrap(await readTestFiles(fx("test.npz"), fx("captions.txt"), 6));
    expect(Array.from(t.ids)).toEqual([1, 2, 3]);
    expect(t.idsSource).toBe("captions.txt = npz captions/ids");
    expect(Array.from(t.captions.data)).toEqual(expected("test:captions/embeddings").values);
  });

  it("ids that differ are an error naming the first differing row; a count difference names both counts", async () => {
    const dir = tempDir();
    const csv = path.join(dir, "captions.txt");
    writeFileSync(csv, formatCaptionsCsv(Int32Array.of(1, 7, 3), ["a", "b", "c"]));
    const e = failure(await readTestFiles(fx("test.npz"), csv, 6));
    expect(e.reason).toBe("id-mismatch");
    expect(e.message).toBe(`${csv}: row 1: ${csv} has id 7, ${fx("test.npz")} [captions/ids] has id 2; fix the files (ids are never renumbered)`);
    writeFileSync(csv, formatCaptionsCsv(Int32Array.of(1, 2), ["a", "b"]));
    expect(failure(await readTestFiles(fx("test.npz"), csv, 6)).message).toContain("has 2 ids but");
  });

  it("without captions.txt the npz ids are used as they are", async () => {
    const t = unwrap(await readTestFiles(fx("test.npz"), undefined, 6));
    expect(t.idsSource).toBe("npz captions/ids");
    expect(Array.from(t.ids)).toEqual([1, 2, 3]);
  });

  it("repeated test ids are an error naming them, from the npz alone or with captions.txt", async () => {
    const alone = failure(await readTestFiles(fx("test_duplicate_ids.npz"), undefined, 6));
    expect(alone.reason).toBe("duplicate-id");
    expect(alone.message).toBe(`${fx("test_duplicate_ids.npz")} [captions/ids]: test ids must be unique, but id 2 appears more than once`);
    const csv = path.join(tempDir(), "captions.txt");
    writeFileSync(csv, "id,caption\n1,a\n2,b\n2,c\n");
    expect(failure(await readTestFiles(fx("test_duplicate_ids.npz"), csv, 6)).message).toBe(`${csv}: test ids must be unique, but id 2 appears more than once`);
  });

  it("test captions of another width than the training captions are refused", async () => {
    const e = failure(await readTestFiles(fx("test_wide.npz"), fx("captions.txt"), 6));
    expect(e.reason).toBe("width-mismatch");
    expect(e.message).toBe(`${fx("test_wide.npz")} [captions/embeddings]: test captions are 7 wide but the training captions are 6 wide`);
  });
});

describe("captions.txt", () => {
  it("parses the csv module's quoting (commas, doubled quotes) as NumPy's fixture wrote it", () => {
    const c = unwrap(parseCaptionsCsv(readFileSync(fx("captions.txt"), "utf8"), "c.txt"));
    expect(Array.from(c.ids)).toEqual([1, 2, 3]);
    expect(c.captions).toEqual(["a dog", "a cat, sleeping", 'a "quoted" word']);
  });

  it("round-trips line breaks and CRLF, and refuses a bad header or id", () => {
    const text = formatCaptionsCsv(Int32Array.of(10, 11), ["two\nlines", "x"]).replace(/\n(?=11,)/, "\r\n");
    expect(unwrap(parseCaptionsCsv(text, "f"))).toEqual({ ids: Int32Array.of(10, 11), captions: ["two\nlines", "x"] });
    expect(failure(parseCaptionsCsv("idx,caption\n1,a\n", "f")).message).toBe('f: expected the header "id,caption", got "idx,caption"');
    expect(failure(parseCaptionsCsv("id,caption\n1,a\nx2,b\n", "f")).message).toBe('f: line 3: the id "x2" is not an integer');
    expect(failure(parseCaptionsCsv('id,caption\n1,"open\n', "f")).reason).toBe("malformed");
  });
});
