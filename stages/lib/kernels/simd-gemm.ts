// The register-blocked GEMM kernels of simd-kernels.ts, as WebAssembly function bodies.
//
// A 4×2 dot-product kernel over rows stored contiguously along the inner dimension: a block of
// 4 rows of A and 2 rows of B is read 128 bits at a time (4 float32 or 2 float64 lanes) into 8
// vector accumulators, whose lanes are summed at the end. Parameters (all i32, addresses in bytes):
// (a, b, c, m, n, kBytes, ldcBytes, up): for rows i < m (step 4) of A and j < n (step 2) of B,
// c[i, j] = (or +=) Σ a[i, ·]·b[j, ·]; up = 1 starts j at i (blocks below the diagonal skipped).
import { I32, op, V128, type ValueType, type WasmFunction } from "./wasm-assembler.js";

/** Rows of A per register block. */
export const BLOCK_A = 4;
/** Rows of B per register block. */
export const BLOCK_B = 2;

/** The kernel over float32 (4 lanes) or float64 (2 lanes), storing or accumulating into c. */
export function gemmKernel(name: string, precision: "f32" | "f64", accumulate: boolean): WasmFunction {
  const [a, b, c, m, n, kb, ldcb, up] = [0, 1, 2, 3, 4, 5, 6, 7];
  const [i, j, q, pa0, pb0, pc, addr] = [8, 9, 10, 11, 15, 17, 18];
  const acc = (r: number, s: number): number => 19 + r * 2 + s;
  const x = (r: number): number => 27 + r;
  const y = (s: number): number => 31 + s;
  const f32 = precision === "f32";
  const vAdd = f32 ? op.f32x4Add : op.f64x2Add;
  const vMul = f32 ? op.f32x4Mul : op.f64x2Mul;
  const elem = f32 ? 4 : 8;
  const body: number[] = [];
  const emit = (...parts: (readonly number[])[]): void => {
    for (const p of parts) body.push(...p);
  };
  const laneSum = (local: number): void => {
    if (f32) {
      emit(op.get(local), op.f32x4ExtractLane(0), op.get(local), op.f32x4ExtractLane(1), op.f32Add);
      emit(op.get(local), op.f32x4ExtractLane(2), op.get(local), op.f32x4ExtractLane(3), op.f32Add, op.f32Add);
    } else {
      emit(op.get(local), op.f64x2ExtractLane(0), op.get(local), op.f64x2ExtractLane(1), op.f64Add);
    }
  };
  emit(op.i32(0), op.set(i), op.block, op.loop);
  emit(op.get(i), op.get(m), op.i32GeU, op.brIf(1));
  emit(op.get(a), op.get(i), op.get(kb), op.i32Mul, op.i32Add, op.set(pa0));
  for (let r = 1; r < 4; r++) emit(op.get(pa0 + r - 1), op.get(kb), op.i32Add, op.set(pa0 + r));
  emit(op.get(i), op.get(up), op.i32Mul, op.set(j), op.block, op.loop);
  emit(op.get(j), op.get(n), op.i32GeU, op.brIf(1));
  emit(op.get(b), op.get(j), op.get(kb), op.i32Mul, op.i32Add, op.tee(pb0), op.get(kb), op.i32Add, op.set(pb0 + 1));
  for (let r = 0; r < 4; r++) for (let s = 0; s < 2; s++) emit(op.v128Zero, op.set(acc(r, s)));
  emit(op.i32(0), op.set(q), op.block, op.loop);
  emit(op.get(q), op.get(kb), op.i32GeU, op.brIf(1));
  for (let r = 0; r < 4; r++) emit(op.get(pa0 + r), op.get(q), op.i32Add, op.v128Load(0), op.set(x(r)));
  for (let s = 0; s < 2; s++) emit(op.get(pb0 + s), op.get(q), op.i32Add, op.v128Load(0), op.set(y(s)));
  for (let r = 0; r < 4; r++) {
    for (let s = 0; s < 2; s++) emit(op.get(acc(r, s)), op.get(x(r)), op.get(y(s)), vMul, vAdd, op.set(acc(r, s)));
  }
  emit(op.get(q), op.i32(16), op.i32Add, op.set(q), op.br(0), op.end, op.end);
  emit(op.get(c), op.get(i), op.get(ldcb), op.i32Mul, op.i32Add, op.get(j), op.i32(elem), op.i32Mul, op.i32Add, op.set(pc));
  for (let r = 0; r < 4; r++) {
    emit(op.get(pc), op.get(ldcb), op.i32(r), op.i32Mul, op.i32Add, op.set(addr));
    for (let s = 0; s < 2; s++) {
      emit(op.get(addr));
      if (accumulate) emit(op.get(addr), f32 ? op.f32Load(s * elem) : op.f64Load(s * elem));
      laneSum(acc(r, s));
      if (accumulate) emit(f32 ? op.f32Add : op.f64Add);
      emit(f32 ? op.f32Store(s * elem) : op.f64Store(s * elem));
    }
  }
  emit(op.get(j), op.i32(2), op.i32Add, op.set(j), op.br(0), op.end, op.end);
  emit(op.get(i), op.i32(4), op.i32Add, op.set(i), op.br(0), op.end, op.end);
  const locals: ValueType[] = [...new Array<ValueType>(11).fill(I32), ...new Array<ValueType>(14).fill(V128)];
  return { name, params: new Array<ValueType>(8).fill(I32), results: [], locals, body };
}
