// The .npy reader and writer against files NumPy wrote, and NumPy reading what we write.
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { StageError } from "../../../stages/lib/protocol/job.js";
import { readIndex, readMatrix, readVector } from "../../../stages/lib/protocol/stage-data.js";
import { asIndexVector, parseNpy, parseNpyHeader, readNpy, type NdArray } from "../../../stages/lib/io/npy.js";
import { encodeNpy, writeIndex, writeMatrix, writeNpy } from "../../../stages/lib/io/npy-write.js";
import { expected, failure, fx, numpyMissing, pythonJson, tempDir, unwrap } from "../helpers/data-fixtures.js";

function values(a: NdArray): (number | string)[] {
  if (a.dtype === "unicode") return a.data;
  if (a.dtype === "int64") return Array.from(a.data, (v) => Number(v));
  return Array.from(a.data as ArrayLike<number>);
}

describe("readNpy on files np.save wrote", () => {
  const cases: [string, NdArray["dtype"]][] = [
    ["float32", "float32"],
    ["float64", "float64"],
    ["int32", "int32"],
    ["int64", "int64"],
    ["uint8", "uint8"],
    ["bool", "bool"],
    ["unicode", "unicode"],
    ["scalar", "float32"],
    ["fortran", "float32"],
    ["bigendian", "float32"],
    ["bigendian_int64", "int64"],
  ];
  it.each(cases)("%s: same dtype, shape and every value", (name, dtype) => {
    const a = unwrap(readNpy(fx(`${name}.npy`)));
    const want = expected(name);
    expect(a.dtype).toBe(dtype);
    expect(a.shape).toEqual(want.shape);
    expect(a.fortranOrder).toBe(false);
    expect(values(a)).toEqual(want.values);
  });

  it("reads the header alone: descr, order, shape, data offset", () => {
    const h = unwrap(parseNpyHeader(readFileSync(fx("fortran.npy")), "fortran.npy"));
    expect(h).toMatchObject({ descr: "<f4", dtype: "float32", fortranOrder: true, shape: [2, 3, 4], dataBytes: 96, bigEndian: false });
    expect(h.dataOffset % 16).toBe(0);
    expect(unwrap(parseNpyHeader(readFileSync(fx("bigendian.npy")), "b")).bigEndian).toBe(true);
  });

  it("refuses pickled object arrays and unsupported dtypes by name", () => {
    const o = failure(readNpy(fx("object.npy")));
    expect(o.reason).toBe("object-array");
    expect(o.message).toContain("object.npy");
    const h = failure(readNpy(fx("float16.npy")));
    expect(h.reason).toBe("unsupported-dtype");
    expect(h.message).toContain("<f2");
  });

  it("reports a truncated file, a missing file and a file that is not .npy", () => {
    const t = failure(readNpy(fx("truncated.npy")));
    expect(t.reason).toBe("truncated");
    expect(t.message).toMatch(/truncated\.npy: truncated: shape \(3, 4\) of <f4 needs \d+ bytes, the file has \d+/);
    expect(failure(readNpy(fx("nope.npy"))).reason).toBe("missing-file");
    expect(failure(readNpy(fx("make_data.py"))).reason).toBe("not-npy");
  });

  it("parses from a view at an offset into a larger buffer (no aliasing of the pool)", () => {
    const bytes = readFileSync(fx("float64.npy"));
    const padded = new Uint8Array(bytes.length + 3);
    padded.set(bytes, 3);
    expect(values(unwrap(parseNpy(padded.subarray(3), "f64")))).toEqual(expected("float64").values);
  });
});

describe("writing .npy", () => {
  const arrays: NdArray[] = [
    { dtype: "float32", shape: [2, 3], data: Float32Array.of(1.5, -2, 3e-8, Infinity, -0, 7), fortranOrder: false },
    { dtype: "float64", shape: [3], data: Float64Array.of(Math.PI, -1e300, 5e-324), fortranOrder: false },
    { dtype: "int32", shape: [2, 2], data: Int32Array.of(1, -2, 2147483647, -2147483648), fortranOrder: false },
    { dtype: "int64", shape: [2], data: BigInt64Array.of(9007199254740993n, -4n), fortranOrder: false },
    { dtype: "uint8", shape: [3], data: Uint8Array.of(0, 128, 255), fortranOrder: false },
    { dtype: "bool", shape: [2, 2], data: Uint8Array.of(1, 0, 0, 1), fortranOrder: false },
    { dtype: "unicode", shape: [3], data: ["x", "héllo 😀", ""], fortranOrder: false },
    { dtype: "float32", shape: [0, 1536], data: new Float32Array(0), fortranOrder: false },
  ];

  it.each(arrays.map((a) => [`${a.dtype} (${a.shape.join(",")})`, a] as const))("%s round-trips through encodeNpy and parseNpy", (_, a) => {
    const back = unwrap(parseNpy(encodeNpy(a), "mem"));
    expect(back.dtype).toBe(a.dtype);
    expect(back.shape).toEqual(a.shape);
    expect(back.data).toEqual(a.data);
  });

  it("readMatrix / readIndex / readVector read what writeMatrix / writeIndex / writeNpy wrote", () => {
    const dir = tempDir();
    const m = { rows: 2, cols: 3, data: Float32Array.of(1, 2, 3, 4, 5, 6) };
    writeMatrix(path.join(dir, "m.npy"), m);
    expect(readMatrix(path.join(dir, "m.npy"))).toEqual(m);
    writeIndex(path.join(dir, "i.npy"), Int32Array.of(5, 0, -1));
    expect(readIndex(path.join(dir, "i.npy"))).toEqual(Int32Array.of(5, 0, -1));
    writeNpy(path.join(dir, "v.npy"), { dtype: "float64", shape: [2], data: Float64Array.of(0.5, 2), fortranOrder: false });
    expect(readVector(path.join(dir, "v.npy"))).toEqual(Float32Array.of(0.5, 2));
    expect(readIndex(fx("int64.npy"))).toEqual(Int32Array.of(3, 1, 4, 1, 5, 9));
  });

  it("the convenience readers throw a StageError naming the file", () => {
    expect(() => readMatrix(fx("int64.npy"))).toThrow(StageError);
    expect(() => readMatrix(fx("int64.npy"))).toThrow(/int64\.npy: expected a 2-D matrix/);
    expect(() => readIndex(fx("float32.npy"))).toThrow(/float32\.npy: expected a 1-D index vector/);
    expect(() => readMatrix(fx("missing.npy"))).toThrow(/missing\.npy: no such file/);
  });

  it("an int64 index outside int32 is an error, not a wrap-around", () => {
    const a: NdArray = { dtype: "int64", shape: [2], data: BigInt64Array.of(1n, 1n << 40n), fortranOrder: false };
    const e = failure(asIndexVector(a, "ids.npy"));
    expect(e.message).toBe("ids.npy: index 1 is 1099511627776, outside the int32 range");
  });

  it.skipIf(numpyMissing !== undefined)(`NumPy loads what writeNpy wrote, value for value${numpyMissing ? ` (skipped: ${numpyMissing})` : ""}`, () => {
    const dir = tempDir();
    const names = arrays.map((a, i) => {
      const file = path.join(dir, `a${i}.npy`);
      writeNpy(file, a);
      return file;
    });
    const got = pythonJson(
      "import sys, json, numpy as np\nout = []\nfor f in sys.argv[1:]:\n  a = np.load(f)\n  out.append({'dtype': a.dtype.str, 'shape': list(a.shape), 'values': [str(v) if a.dtype.kind == 'U' else (v if a.dtype.kind != 'f' else repr(float(v))) for v in a.ravel().tolist()]})\nprint(json.dumps(out))",
      ...names,
    ) as { dtype: string; shape: number[]; values: (number | string)[] }[];
    const descrs = ["<f4", "<f8", "<i4", "<i8", "|u1", "|b1", "<U7", "<f4"];
    got.forEach((g, i) => {
      const a = arrays[i] as NdArray;
      expect(g.dtype).toBe(descrs[i]);
      expect(g.shape).toEqual(a.shape);
      const want =
        a.dtype === "unicode"
          ? a.data
          : a.dtype === "int64"
            ? Array.from(a.data, (v) => Number(v))
            : a.dtype === "bool"
              ? Array.from(a.data, (v) => v === 1)
              : a.dtype === "float32" || a.dtype === "float64"
                ? Array.from(a.data, (v) => (Number.isFinite(v) ? v : String(v)))
                : Array.from(a.data);
      const have = g.values.map((v) => (typeof v === "string" && a.dtype !== "unicode" ? (v === "inf" ? "Infinity" : v === "-inf" ? "-Infinity" : Number(v)) : v));
      expect(have).toEqual(want);
    });
    writeFileSync(path.join(dir, "done"), "");
  });
});
