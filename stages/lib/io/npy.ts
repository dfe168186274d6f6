// Reading NumPy .npy arrays (npy-write.ts writes them): npyjs for the plain little-endian dtypes, the rest by hand.
//
// npyjs 1.2.0 parses `<f4 <f8 <i4 <i8 |u1` into typed-array views and formats headers, but it turns
// bool into a JS boolean[] (too big for label matrices), decodes `<U` with one spread call (overflows
// the stack on real caption arrays), rejects big-endian descrs, ignores Fortran order and does not
// check the data length. Those cases are handled here; everything comes back as a C-order NdArray.
import { readFileSync } from "node:fs";
import { parse } from "npyjs";
import { dataError, type DataError } from "./data-error.js";
import { err, ok, type Result } from "../core/result.js";

/** The element types the pipeline reads and writes. */
export type DType = "float32" | "float64" | "int32" | "int64" | "uint8" | "bool" | "unicode";

interface Typed<D extends DType, T> {
  readonly dtype: D;
  /** Dimensions, outermost first; [] for a scalar. */
  readonly shape: number[];
  /** Elements in C (row-major) order; bool as 0/1 bytes, unicode with trailing NULs removed. */
  readonly data: T;
  readonly fortranOrder: false;
}

/** An n-dimensional array in C order. */
export type NdArray =
  | Typed<"float32", Float32Array>
  | Typed<"float64", Float64Array>
  | Typed<"int32", Int32Array>
  | Typed<"int64", BigInt64Array>
  | Typed<"uint8", Uint8Array>
  | Typed<"bool", Uint8Array>
  | Typed<"unicode", string[]>;

/** What an .npy header says, enough to list an archive member without reading its data. */
export interface NpyHeader {
  /** The dtype descr as written, e.g. `<f4`, `|b1`, `<U12`, `|O`. */
  readonly descr: string;
  /** The pipeline dtype, or undefined when the descr is not one this module reads. */
  readonly dtype: DType | undefined;
  readonly bigEndian: boolean;
  /** Bytes per element. */
  readonly itemSize: number;
  readonly fortranOrder: boolean;
  readonly shape: number[];
  /** Where the data starts: the whole header's length in bytes. */
  readonly dataOffset: number;
  /** Bytes of data the shape and dtype call for. */
  readonly dataBytes: number;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** Bytes an .npy header prefix must have before npyHeaderLength can answer. */
export const NPY_PREFIX_BYTES = 12;

/** The number of elements of a shape. */
export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/**
 * The total header length (magic, version, length field and dict) from the first
 * NPY_PREFIX_BYTES bytes of an .npy file.
 */
export function npyHeaderLength(prefix: Uint8Array, file: string, key?: string): Result<number, DataError> {
  if (prefix.length < 10 || !MAGIC.every((b, i) => prefix[i] === b)) {
    return err(dataError("not-npy", file, key, "not an .npy array (no \\x93NUMPY magic at the start)"));
  }
  const major = prefix[6] as number;
  const view = new DataView(prefix.buffer, prefix.byteOffset, prefix.byteLength);
  if (major === 1) return ok(10 + view.getUint16(8, true));
  if (major === 2 || major === 3) {
    if (prefix.length < 12) return err(dataError("truncated", file, key, "truncated .npy header"));
    return ok(12 + view.getUint32(8, true));
  }
  return err(dataError("not-npy", file, key, `unknown .npy format version ${major}.${prefix[7] ?? 0}`));
}

const DTYPES: Readonly<Record<string, DType>> = { f4: "float32", f8: "float64", i4: "int32", i8: "int64", u1: "uint8", b1: "bool" };

/** Parses an .npy header; `bytes` must hold at least the whole header. */
export function parseNpyHeader(bytes: Uint8Array, file: string, key?: string): Result<NpyHeader, DataError> {
  const length = npyHeaderLength(bytes, file, key);
  if (!length.ok) return length;
  const dataOffset = length.value;
  if (bytes.length < dataOffset) return err(dataError("truncated", file, key, `truncated .npy header (${bytes.length} of ${dataOffset} bytes)`));
  const start = bytes[6] === 1 ? 10 : 12;
  const text = new TextDecoder(bytes[6] === 3 ? "utf-8" : "latin1").decode(bytes.subarray(start, dataOffset));
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(text)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(text)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(text)?.[1];
  if (descr === undefined) {
    const structured = /'descr'\s*:\s*\[/.test(text);
    return err(dataError(structured ? "unsupported-dtype" : "not-npy", file, key, structured ? "structured dtypes are not supported" : `malformed .npy header: ${text.trim()}`));
  }
  if (fortran === undefined || shapeText === undefined) return err(dataError("not-npy", file, key, `malformed .npy header: ${text.trim()}`));
  const shape: number[] = [];
  for (const part of shapeText.split(",")) {
    const t = part.trim().replace(/L$/, "");
    if (t === "") continue;
    const d = Number(t);
    if (!Number.isSafeInteger(d) || d < 0) return err(dataError("not-npy", file, key, `malformed shape (${shapeText}) in .npy header`));
    shape.push(d);
  }
  const order = descr[0] ?? "";
  const hasOrder = "<>|=".includes(order) && order !== "";
  const code = hasOrder ? descr.slice(1) : descr;
  const bigEndian = order === ">";
  let dtype: DType | undefined;
  let itemSize: number;
  if (/^U\d+$/.test(code)) {
    dtype = "unicode";
    itemSize = 4 * Number(code.slice(1));
  } else {
    dtype = DTYPES[code];
    const digits = /\d+$/.exec(code)?.[0];
    itemSize = digits === undefined ? 8 : Number(digits);
  }
  return ok({ descr, dtype, bigEndian, itemSize, fortranOrder: fortran === "True", shape, dataOffset, dataBytes: sizeOf(shape) * itemSize });
}

/** Parses a whole .npy file held in memory; `file` (and `key`) name it in errors. */
export function parseNpy(bytes: Uint8Array, file: string, key?: string): Result<NdArray, DataError> {
  const parsed = parseNpyHeader(bytes, file, key);
  if (!parsed.ok) return parsed;
  const h = parsed.value;
  if (h.dtype === undefined) {
    if (/^[|<>=]?O/.test(h.descr)) return err(dataError("object-array", file, key, `dtype ${h.descr} is a pickled object array, which cannot be read without Python`));
    return err(dataError("unsupported-dtype", file, key, `dtype ${h.descr} is not supported (use float32, float64, int32, int64, uint8, bool or <U strings)`));
  }
  const end = h.dataOffset + h.dataBytes;
  if (bytes.length < end) {
    return err(dataError("truncated", file, key, `truncated: shape (${h.shape.join(", ")}) of ${h.descr} needs ${end} bytes, the file has ${bytes.length}`));
  }
  const count = sizeOf(h.shape);
  const c = decode(bytes, h, count, file, key);
  if (!c.ok) return c;
  const array = h.fortranOrder && h.shape.length > 1 ? fortranToC(c.value, h.shape) : c.value;
  return ok(array);
}

function decode(bytes: Uint8Array, h: NpyHeader, count: number, file: string, key?: string): Result<NdArray, DataError> {
  const dtype = h.dtype as DType;
  const shape = h.shape;
  const raw = bytes.subarray(h.dataOffset, h.dataOffset + h.dataBytes);
  if (dtype === "unicode") return decodeUnicode(raw, h, count, file, key);
  if (dtype === "bool") return ok({ dtype, shape, data: raw, fortranOrder: false });
  if (h.bigEndian && h.itemSize > 1) return ok(numeric(dtype, byteSwapped(raw, h.itemSize).buffer, 0, count, shape));
  if (h.dataOffset % h.itemSize !== 0) return ok(numeric(dtype, new Uint8Array(raw).buffer, 0, count, shape));
  // The plain case: npyjs makes the typed-array view over an ArrayBuffer that is exactly the file.
  const end = h.dataOffset + h.dataBytes;
  const exact = bytes.byteOffset === 0 && bytes.buffer instanceof ArrayBuffer && bytes.buffer.byteLength === end;
  const buffer = exact ? (bytes.buffer as ArrayBuffer) : new Uint8Array(bytes.subarray(0, end)).buffer; // a copy (Buffer#slice would be a view)
  try {
    const view = parse(buffer).data;
    return ok(numeric(dtype, view.buffer as ArrayBuffer, view.byteOffset, count, shape));
  } catch (error) {
    return err(dataError("not-npy", file, key, `npyjs could not parse the array: ${error instanceof Error ? error.message : String(error)}`));
  }
}

function numeric(dtype: Exclude<DType, "unicode" | "bool">, buffer: ArrayBuffer, byteOffset: number, count: number, shape: number[]): NdArray {
  switch (dtype) {
    case "float32":
      return { dtype, shape, data: new Float32Array(buffer, byteOffset, count), fortranOrder: false };
    case "float64":
      return { dtype, shape, data: new Float64Array(buffer, byteOffset, count), fortranOrder: false };
    case "int32":
      return { dtype, shape, data: new Int32Array(buffer, byteOffset, count), fortranOrder: false };
    case "int64":
      return { dtype, shape, data: new BigInt64Array(buffer, byteOffset, count), fortranOrder: false };
    case "uint8":
      return { dtype, shape, data: new Uint8Array(buffer, byteOffset, count), fortranOrder: false };
  }
}

function byteSwapped(raw: Uint8Array, itemSize: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i += itemSize) {
    for (let b = 0; b < itemSize; b++) out[i + b] = raw[i + itemSize - 1 - b] as number;
  }
  return out;
}

function decodeUnicode(raw: Uint8Array, h: NpyHeader, count: number, file: string, key?: string): Result<NdArray, DataError> {
  const width = h.itemSize / 4;
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const little = !h.bigEndian;
  const strings = new Array<string>(count);
  const points: number[] = [];
  for (let i = 0; i < count; i++) {
    points.length = 0;
    for (let j = 0; j < width; j++) {
      const cp = view.getUint32((i * width + j) * 4, little);
      if (cp === 0) break;
      if (cp > 0x10ffff) return err(dataError("not-npy", file, key, `element ${i} holds an invalid code point ${cp}`));
      points.push(cp);
    }
    let s = "";
    for (let k = 0; k < points.length; k += 4096) s += String.fromCodePoint(...points.slice(k, k + 4096));
    strings[i] = s;
  }
  return ok({ dtype: "unicode", shape: h.shape, data: strings, fortranOrder: false });
}

/** Reorders Fortran-order (column-major) elements into C order, keeping the shape. */
function fortranToC(a: NdArray, shape: number[]): NdArray {
  const n = sizeOf(shape);
  const src = a.data as { readonly [i: number]: unknown };
  const out = (Array.isArray(a.data) ? new Array<string>(n) : new (a.data.constructor as new (n: number) => typeof a.data)(n)) as { [i: number]: unknown };
  const ndim = shape.length;
  const stride = new Array<number>(ndim);
  let s = 1;
  for (let d = 0; d < ndim; d++) {
    stride[d] = s;
    s *= shape[d] as number;
  }
  const idx = new Array<number>(ndim).fill(0);
  let f = 0;
  for (let c = 0; c < n; c++) {
    out[c] = src[f];
    for (let d = ndim - 1; d >= 0; d--) {
      idx[d] = (idx[d] as number) + 1;
      f += stride[d] as number;
      if ((idx[d] as number) < (shape[d] as number)) break;
      f -= (stride[d] as number) * (shape[d] as number);
      idx[d] = 0;
    }
  }
  return { ...a, data: out } as NdArray;
}

/** Reads an .npy file; a missing or malformed file is a DataError naming it. */
export function readNpy(path: string): Result<NdArray, DataError> {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return err(dataError("missing-file", path, undefined, "no such file"));
    return err(dataError("unreadable", path, undefined, `cannot read: ${error instanceof Error ? error.message : String(error)}`));
  }
  return parseNpy(bytes, path);
}

/** An integer array as an Int32Array of indices; int64 values outside int32 are a DataError. */
export function asIndexVector(array: NdArray, file: string, key?: string): Result<Int32Array, DataError> {
  if (array.shape.length !== 1) return err(dataError("wrong-shape", file, key, `expected a 1-D index vector, got shape (${array.shape.join(", ")})`));
  switch (array.dtype) {
    case "int32":
      return ok(array.data);
    case "uint8":
      return ok(Int32Array.from(array.data));
    case "int64": {
      const src = array.data;
      const out = new Int32Array(src.length);
      for (let i = 0; i < src.length; i++) {
        const v = src[i] as bigint;
        if (v > 2147483647n || v < -2147483648n) return err(dataError("wrong-shape", file, key, `index ${i} is ${v}, outside the int32 range`));
        out[i] = Number(v);
      }
      return ok(out);
    }
    default:
      return err(dataError("unsupported-dtype", file, key, `expected an integer index vector, got dtype ${array.dtype}`));
  }
}
