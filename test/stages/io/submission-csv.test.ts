// The submission CSV: shortest exact float32 text, the row format, and refusals.
import { mkdtempSync, readFileSync, rmSync, existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Prng } from "../../../stages/lib/core/prng.js";
import { formatFloat32, writeSubmissionCsv } from "../../../stages/lib/io/submission-csv.js";

const dir = mkdtempSync(path.join(os.tmpdir(), "dag-csv-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("formatFloat32", () => {
  it("round-trips every float32 exactly, across magnitudes", () => {
    const prng = new Prng(5, "csv");
    const values = new Float32Array(20_000);
    for (let i = 0; i < values.length; i++) values[i] = prng.normal() * 10 ** Math.floor(prng.uniform() * 40 - 20);
    for (const v of values) expect(Math.fround(Number(formatFloat32(v)))).toBe(v);
    for (const v of [Math.fround(3.4028234e38), Math.fround(1.17549435e-38), Math.fround(1.4e-45), -Math.fround(0.1)]) {
      expect(Math.fround(Number(formatFloat32(v)))).toBe(v);
    }
  });

  it("writes the shortest such decimal, with a point or exponent so it reads as a float", () => {
    expect(formatFloat32(Math.fround(0.1))).toBe("0.1");
    expect(formatFloat32(Math.fround(-0.03))).toBe("-0.03");
    expect(formatFloat32(1)).toBe("1.0");
    expect(formatFloat32(0)).toBe("0.0");
    expect(formatFloat32(Math.fround(1 / 3))).toBe("0.33333334");
    expect(formatFloat32(Math.fround(1e-7))).toBe("1e-7");
    expect(formatFloat32(Math.fround(123456792))).toBe("1.2345679e+8");
  });

  it("never needs more than nine digits, and the digits before the last are not enough", () => {
    const prng = new Prng(6, "csv");
    for (let i = 0; i < 2000; i++) {
      const v = Math.fround(prng.normal());
      const s = formatFloat32(v);
      const digits = s.replace(/e.*$/, "").replace(/[-.]/g, "").replace(/^0+/, "").length;
      expect(digits).toBeLessThanOrEqual(9);
      if (digits > 1) expect(Math.fround(Number(v.toPrecision(digits - 1)))).not.toBe(v);
    }
  });
});

describe("writeSubmissionCsv", () => {
  it("writes the header and one quoted JSON array per id", () => {
    const file = path.join(dir, "a.csv");
    const data = Float32Array.from([0.5, -0.25, Math.fround(0.1), 2]);
    const written = writeSubmissionCsv(file, Int32Array.from([7, 3]), { rows: 2, cols: 2, data });
    expect(written).toEqual({ ok: true, value: { rows: 2 } });
    expect(readFileSync(file, "utf8")).toBe('id,embedding\n7,"[0.5, -0.25]"\n3,"[0.1, 2.0]"\n');
  });

  it("streams many rows", () => {
    const file = path.join(dir, "b.csv");
    const rows = 1000, cols = 3;
    const data = Float32Array.from({ length: rows * cols }, (_, i) => Math.fround(Math.sin(i)));
    expect(writeSubmissionCsv(file, Int32Array.from({ length: rows }, (_, i) => i + 1), { rows, cols, data }).ok).toBe(true);
    const lines = readFileSync(file, "utf8").trimEnd().split("\n");
    expect(lines.length).toBe(rows + 1);
    const last = JSON.parse(/"(.*)"/.exec(lines[rows]!)![1]!) as number[];
    expect(Float32Array.from(last)).toEqual(data.subarray((rows - 1) * cols));
  });

  it("refuses a count mismatch and non-finite values, naming them, and writes nothing", () => {
    const file = path.join(dir, "c.csv");
    const m = { rows: 2, cols: 2, data: Float32Array.from([1, 2, 3, Number.NaN]) };
    const mismatch = writeSubmissionCsv(file, Int32Array.from([1, 2, 3]), m);
    expect(mismatch).toEqual({ ok: false, error: { reason: "count-mismatch", message: "3 test ids but 2 embedding rows" } });
    const nan = writeSubmissionCsv(file, Int32Array.from([10, 11]), m);
    expect(nan).toEqual({ ok: false, error: { reason: "non-finite", message: "the embedding of test id 11 (row 1) has the non-finite value NaN at column 1" } });
    expect(existsSync(file)).toBe(false);
  });
});
