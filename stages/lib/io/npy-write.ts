// Writing NumPy .npy arrays: headers formatted by npyjs, data streamed straight from the array's memory.
import { closeSync, openSync, writeSync } from "node:fs";
import { dump } from "npyjs";
import { type Matrix } from "../core/matrix.js";
import { sizeOf, type DType, type NdArray } from "./npy.js";

/** The .npy header bytes for an array, formatted by npyjs (descr, fortran_order False, shape). */
export function npyHeader(array: NdArray): Uint8Array {
  return npyHeaderBytes(array.dtype, array.shape, array.dtype === "unicode" ? unicodeWidth(array.data) : 1);
}

/** The .npy header for a dtype and shape (`unicodeWidth` code points per `<U` element). */
export function npyHeaderBytes(dtype: DType, shape: readonly number[], unicodeWidth = 1): Uint8Array {
  const dims = [...shape];
  let header: ArrayBuffer;
  switch (dtype) {
    case "float32":
      header = dump(new Float32Array(0), dims);
      break;
    case "float64":
      header = dump(new Float64Array(0), dims);
      break;
    case "int32":
      header = dump(new Int32Array(0), dims);
      break;
    case "int64":
      header = dump(new BigInt64Array(0), dims);
      break;
    case "uint8":
      header = dump(new Uint8Array(0), dims);
      break;
    case "bool":
      header = dump(new Uint8Array(0), dims, { dtype: "b1" });
      break;
    case "unicode":
      header = dump([], dims, { dtype: `U${unicodeWidth}` });
      break;
  }
  return new Uint8Array(header);
}

function unicodeWidth(strings: readonly string[]): number {
  let width = 1;
  for (const s of strings) {
    let n = 0;
    for (const _ of s) n++;
    if (n > width) width = n;
  }
  return width;
}

/** The data bytes of an array in C order (a view for numeric dtypes, no copy). */
export function npyData(array: NdArray): Uint8Array {
  if (array.dtype !== "unicode") return new Uint8Array(array.data.buffer, array.data.byteOffset, array.data.byteLength);
  const width = unicodeWidth(array.data);
  const out = new Uint8Array(array.data.length * width * 4);
  const view = new DataView(out.buffer);
  array.data.forEach((s, i) => {
    let j = 0;
    for (const ch of s) view.setUint32((i * width + j++) * 4, ch.codePointAt(0) as number, true);
  });
  return out;
}

/** Checks that the data length matches the shape; a mismatch is a bug in the caller. */
function checkShape(array: NdArray): void {
  if (array.data.length !== sizeOf(array.shape)) {
    throw new Error(`array of shape (${array.shape.join(", ")}) needs ${sizeOf(array.shape)} elements, has ${array.data.length}`);
  }
}

/** The whole .npy file for an array, in memory. */
export function encodeNpy(array: NdArray): Uint8Array {
  checkShape(array);
  const header = npyHeader(array);
  const data = npyData(array);
  const out = new Uint8Array(header.length + data.length);
  out.set(header, 0);
  out.set(data, header.length);
  return out;
}

/** Writes an .npy file, streaming the data straight from the array's memory. */
export function writeNpy(path: string, array: NdArray): void {
  checkShape(array);
  const fd = openSync(path, "w");
  try {
    for (const part of [npyHeader(array), npyData(array)]) {
      let done = 0;
      while (done < part.length) done += writeSync(fd, part, done, Math.min(part.length - done, 1 << 30));
    }
  } finally {
    closeSync(fd);
  }
}

/** Writes a Matrix as a 2-D float32 .npy. */
export function writeMatrix(path: string, m: Matrix): void {
  writeNpy(path, { dtype: "float32", shape: [m.rows, m.cols], data: m.data, fortranOrder: false });
}

/** Writes a 1-D float32 .npy. */
export function writeVector(path: string, v: Float32Array): void {
  writeNpy(path, { dtype: "float32", shape: [v.length], data: v, fortranOrder: false });
}

/** Writes a 1-D int32 .npy. */
export function writeIndex(path: string, v: Int32Array): void {
  writeNpy(path, { dtype: "int32", shape: [v.length], data: v, fortranOrder: false });
}
