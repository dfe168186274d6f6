// The float64 vector kernels of simd-kernels.ts (eigensolver, Cholesky solve) as WebAssembly bodies.
//
// Each walks its vectors two lanes (16 bytes) at a time and finishes an odd length with one
// scalar step. Addresses are byte offsets into the kernels' memory, lengths count elements.
// axpy64, dotAxpy64 and rank2Update64 are called one at a time from JS; rotations64 and
// reflectRows64 take eight i32 arguments so kernel-pool.ts can split them over threads.
import { F64, I32, op, V128, type ValueType, type WasmFunction } from "./wasm-assembler.js";

type Code = readonly (readonly number[])[];

function flat(parts: Code): number[] {
  const out: number[] = [];
  for (const p of parts) out.push(...p);
  return out;
}

/**
 * The shared skeleton: end = (len & ~1)·8; for q = 0; q < end; q += 16 { pair }; if len is odd
 * { tail at byte offset end }. `q` and `end` are i32 locals.
 */
function pairsThenTail(len: number, q: number, end: number, pair: Code, tail: Code): number[] {
  return flat([
    op.get(len), op.i32(-2), op.i32And, op.i32(3), op.i32Shl, op.set(end),
    op.i32(0), op.set(q), op.block, op.loop,
    op.get(q), op.get(end), op.i32GeU, op.brIf(1),
    ...pair,
    op.get(q), op.i32(16), op.i32Add, op.set(q), op.br(0), op.end, op.end,
    op.get(len), op.i32(1), op.i32And, op.if, ...tail, op.end,
  ]);
}

/** The address local + q (pair) or local + end (tail). */
const at = (base: number, offset: number): Code => [op.get(base), op.get(offset), op.i32Add];

function axpy64(): WasmFunction {
  const [y, x, len, a, q, end, av] = [0, 1, 2, 3, 4, 5, 6];
  const body = flat([
    op.get(a), op.f64x2Splat, op.set(av),
    pairsThenTail(len, q, end,
      [...at(y, q), ...at(y, q), op.v128Load(0), op.get(av), ...at(x, q), op.v128Load(0), op.f64x2Mul, op.f64x2Add, op.v128Store(0)],
      [...at(y, end), ...at(y, end), op.f64Load(0), op.get(a), ...at(x, end), op.f64Load(0), op.f64Mul, op.f64Add, op.f64Store(0)]),
  ]);
  return { name: "axpy64", params: [I32, I32, I32, F64], results: [], locals: [I32, I32, V128], body };
}

function dotAxpy64(): WasmFunction {
  const [row, d, e, len, f, q, end, acc, fv, v, s, sv] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
  const body = flat([
    op.v128Zero, op.set(acc), op.get(f), op.f64x2Splat, op.set(fv),
    pairsThenTail(len, q, end, [
      ...at(row, q), op.v128Load(0), op.set(v),
      op.get(acc), op.get(v), ...at(d, q), op.v128Load(0), op.f64x2Mul, op.f64x2Add, op.set(acc),
      ...at(e, q), ...at(e, q), op.v128Load(0), op.get(v), op.get(fv), op.f64x2Mul, op.f64x2Add, op.v128Store(0),
    ], [
      ...at(row, end), op.f64Load(0), op.set(sv),
      op.get(s), op.get(sv), ...at(d, end), op.f64Load(0), op.f64Mul, op.f64Add, op.set(s),
      ...at(e, end), ...at(e, end), op.f64Load(0), op.get(sv), op.get(f), op.f64Mul, op.f64Add, op.f64Store(0),
    ]),
    op.get(acc), op.f64x2ExtractLane(0), op.get(acc), op.f64x2ExtractLane(1), op.f64Add, op.get(s), op.f64Add,
  ]);
  return { name: "dotAxpy64", params: [I32, I32, I32, I32, F64], results: [F64], locals: [I32, I32, V128, V128, V128, F64, F64], body };
}

function rank2Update64(): WasmFunction {
  const [row, e, d, len, f, g, q, end, fv, gv] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const body = flat([
    op.get(f), op.f64x2Splat, op.set(fv), op.get(g), op.f64x2Splat, op.set(gv),
    pairsThenTail(len, q, end, [
      ...at(row, q), ...at(row, q), op.v128Load(0),
      op.get(fv), ...at(e, q), op.v128Load(0), op.f64x2Mul, op.get(gv), ...at(d, q), op.v128Load(0), op.f64x2Mul, op.f64x2Add,
      op.f64x2Sub, op.v128Store(0),
    ], [
      ...at(row, end), ...at(row, end), op.f64Load(0),
      op.get(f), ...at(e, end), op.f64Load(0), op.f64Mul, op.get(g), ...at(d, end), op.f64Load(0), op.f64Mul, op.f64Add,
      op.f64Sub, op.f64Store(0),
    ]),
  ]);
  return { name: "rank2Update64", params: [I32, I32, I32, I32, F64, F64], results: [], locals: [I32, I32, V128, V128], body };
}

/** The rotation (a, b) ← (c·a − s·b, s·a + c·b) over len elements, on the given locals. */
function rotation(l: { a: number; b: number; len: number; c: number; s: number; q: number; end: number; cv: number; sv: number; x: number; y: number; xs: number; ys: number }): number[] {
  const { a, b, len, c, s, q, end, cv, sv, x, y, xs, ys } = l;
  return flat([
    op.get(c), op.f64x2Splat, op.set(cv), op.get(s), op.f64x2Splat, op.set(sv),
    pairsThenTail(len, q, end, [
      ...at(a, q), op.v128Load(0), op.set(x), ...at(b, q), op.v128Load(0), op.set(y),
      ...at(b, q), op.get(sv), op.get(x), op.f64x2Mul, op.get(cv), op.get(y), op.f64x2Mul, op.f64x2Add, op.v128Store(0),
      ...at(a, q), op.get(cv), op.get(x), op.f64x2Mul, op.get(sv), op.get(y), op.f64x2Mul, op.f64x2Sub, op.v128Store(0),
    ], [
      ...at(a, end), op.f64Load(0), op.set(xs), ...at(b, end), op.f64Load(0), op.set(ys),
      ...at(b, end), op.get(s), op.get(xs), op.f64Mul, op.get(c), op.get(ys), op.f64Mul, op.f64Add, op.f64Store(0),
      ...at(a, end), op.get(c), op.get(xs), op.f64Mul, op.get(s), op.get(ys), op.f64Mul, op.f64Sub, op.f64Store(0),
    ]),
  ]);
}

/**
 * rotations64(m, ldBytes, colBytes, len, rots, count, ·, ·): applies `count` rotations in order,
 * rotation t being the float64 triple (row i, c, s) at rots + 24·t, to rows i and i + 1 of the
 * row-major matrix at m (row stride ldBytes), over len elements from byte colBytes of each row.
 * Rotations act on columns independently, so column ranges can be split between threads. The
 * last two parameters are unused (kernel calls have eight i32 arguments).
 */
export function rotations64(): WasmFunction {
  const [m, ld, col, len, rots, count] = [0, 1, 2, 3, 4, 5];
  const [t, p, a, b, q, end, c, s, xs, ys, cv, sv, x, y] = [8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21];
  const body = flat([
    op.i32(0), op.set(t), op.get(rots), op.set(p), op.block, op.loop,
    op.get(t), op.get(count), op.i32GeU, op.brIf(1),
    op.get(m), op.get(p), op.f64Load(0), op.i32TruncF64S, op.get(ld), op.i32Mul, op.i32Add, op.get(col), op.i32Add, op.tee(a),
    op.get(ld), op.i32Add, op.set(b),
    op.get(p), op.f64Load(8), op.set(c), op.get(p), op.f64Load(16), op.set(s),
    rotation({ a, b, len, c, s, q, end, cv, sv, x, y, xs, ys }),
    op.get(p), op.i32(24), op.i32Add, op.set(p), op.get(t), op.i32(1), op.i32Add, op.set(t), op.br(0), op.end, op.end,
  ]);
  const locals: ValueType[] = [I32, I32, I32, I32, I32, I32, F64, F64, F64, F64, V128, V128, V128, V128];
  return { name: "rotations64", params: new Array<ValueType>(8).fill(I32), results: [], locals, body };
}

/**
 * reflectRows64(m, ldBytes, v, d, len, j0, j1, ·): for rows j in [j0, j1) of the row-major matrix
 * at m (row stride ldBytes), row[0..len) −= (Σ v[k]·row[k])·d[k]: one Householder reflector
 * applied to a range of rows, each row independent of the others (so ranges can go to threads).
 */
export function reflectRows64(): WasmFunction {
  const [m, ld, v, d, len, j0, j1] = [0, 1, 2, 3, 4, 5, 6];
  const [j, row, q, end, acc, g, gv] = [8, 9, 10, 11, 12, 13, 14];
  const body = flat([
    op.get(j0), op.set(j), op.block, op.loop,
    op.get(j), op.get(j1), op.i32GeU, op.brIf(1),
    op.get(m), op.get(j), op.get(ld), op.i32Mul, op.i32Add, op.set(row),
    op.v128Zero, op.set(acc), op.f64Zero, op.set(g),
    pairsThenTail(len, q, end,
      [op.get(acc), ...at(v, q), op.v128Load(0), ...at(row, q), op.v128Load(0), op.f64x2Mul, op.f64x2Add, op.set(acc)],
      [op.get(g), ...at(v, end), op.f64Load(0), ...at(row, end), op.f64Load(0), op.f64Mul, op.f64Add, op.set(g)]),
    op.get(acc), op.f64x2ExtractLane(0), op.get(acc), op.f64x2ExtractLane(1), op.f64Add, op.get(g), op.f64Add, op.set(g),
    op.get(g), op.f64x2Splat, op.set(gv),
    pairsThenTail(len, q, end,
      [...at(row, q), ...at(row, q), op.v128Load(0), op.get(gv), ...at(d, q), op.v128Load(0), op.f64x2Mul, op.f64x2Sub, op.v128Store(0)],
      [...at(row, end), ...at(row, end), op.f64Load(0), op.get(g), ...at(d, end), op.f64Load(0), op.f64Mul, op.f64Sub, op.f64Store(0)]),
    op.get(j), op.i32(1), op.i32Add, op.set(j), op.br(0), op.end, op.end,
  ]);
  const locals: ValueType[] = [I32, I32, I32, I32, V128, F64, V128];
  return { name: "reflectRows64", params: new Array<ValueType>(8).fill(I32), results: [], locals, body };
}

/** The vector operations called one at a time from JS (VectorOps in simd-kernels.ts). */
export function vectorKernels(): WasmFunction[] {
  return [axpy64(), dotAxpy64(), rank2Update64()];
}
