// Float32 products of projector training on several threads: the SIMD GEMM kernel of simd-gemm.ts in
// a WebAssembly memory of its own, output tiles spread over a KernelPool.
//
// The output is cut into fixed tiles (their size depends on the shapes only, never on the thread
// count) and each tile is one kernel call summing its inner dimension in one fixed order, so a
// product is bit-identical whatever the number of threads.
import { KernelPool, type KernelCall } from "./kernel-pool.js";
import { BLOCK_A, BLOCK_B, gemmKernel } from "./simd-gemm.js";
import { assembleModule } from "./wasm-assembler.js";
import { wasm, type WasmMemory } from "./wasm-api.js";


type Kernel = (a: number, b: number, c: number, m: number, n: number, kBytes: number, ldcBytes: number, up: number) => void;

const PAGE = 65_536;
const MAX_PAGES = 65_536;
/** Output rows of one kernel call. */
const TILE_ROWS = 256;
/** Bytes of B one kernel call walks for every 4 rows of A: inside a 1 MiB L2 with room for A. */
const TILE_B_BYTES = 786_432;
/** Rows × columns moved per step of the blocked transpose. */
const TRANSPOSE_BLOCK = 32;

function roundUp(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}

/** An operand as the product reads it: row-major `rows × cols`, or its transpose. */
export interface Operand {
  readonly data: Float32Array;
  readonly rows: number;
  readonly cols: number;
  /** Use the transpose of the stored matrix. */
  readonly transposed?: boolean;
}

/** The sizes of op(A)·op(B): op(A) is m×k, op(B) k×n; throws when the inner sizes differ. */
export function productShape(who: string, a: Operand, b: Operand): { m: number; k: number; n: number } {
  const m = a.transposed ? a.cols : a.rows;
  const k = a.transposed ? a.rows : a.cols;
  const kb = b.transposed ? b.cols : b.rows;
  const n = b.transposed ? b.rows : b.cols;
  if (k !== kb) throw new Error(`${who}: ${m}×${k} · ${kb}×${n}`);
  return { m, k, n };
}

/**
 * Float32 GEMM over `threads` threads (the calling one included). One product at a time: the
 * operands are packed into the module's memory, multiplied, and the result copied out.
 */
export class ThreadedGemm {
  private readonly memory: WasmMemory;
  private readonly kernel: Kernel;
  private readonly pool: KernelPool;

  private constructor(readonly threads: number, module: object, memory: WasmMemory, kernel: Kernel) {
    this.memory = memory;
    this.kernel = kernel;
    this.pool = new KernelPool(module, memory, threads);
  }

  /** A GEMM over `threads` threads, or undefined where WebAssembly SIMD is missing (or DAG_NO_SIMD=1). */
  static create(threads: number): ThreadedGemm | undefined {
    const count = Math.max(1, Math.floor(threads));
    const shared = count > 1;
    // Named as the pool's kernel 0 ("scores32"): the pool's workers call kernels by that index.
    const bytes = assembleModule([gemmKernel("scores32", "f32", false)], { shared, maxPages: MAX_PAGES });
    if (process.env["DAG_NO_SIMD"] === "1" || !wasm.validate(bytes)) return undefined;
    const memory = new wasm.Memory({ initial: 16, maximum: MAX_PAGES, shared });
    const module = new wasm.Module(bytes);
    const exports = new wasm.Instance(module, { env: { memory } }).exports as { scores32: Kernel };
    return new ThreadedGemm(count, module, memory, exports.scores32);
  }

  /** op(A)·op(B) as a new row-major float32 matrix (op = the transpose where an operand says so). */
  multiply(a: Operand, b: Operand): { rows: number; cols: number; data: Float32Array } {
    const { m, k, n } = productShape("ThreadedGemm", a, b);
    const kp = roundUp(Math.max(k, 1), 4);
    const mp = roundUp(Math.max(m, 1), BLOCK_A);
    const np = roundUp(Math.max(n, 1), BLOCK_B);
    const aAt = 0;
    const bAt = roundUp(aAt + mp * kp * 4, 64);
    const cAt = roundUp(bAt + np * kp * 4, 64);
    this.ensure(cAt + mp * np * 4);
    const buffer = this.memory.buffer;
    // The kernel takes B as n rows along the inner dimension: Bᵀ of a stored B, B itself when transposed.
    pack(a, !a.transposed, new Float32Array(buffer, aAt, mp * kp), mp, kp);
    pack(b, !!b.transposed, new Float32Array(buffer, bAt, np * kp), np, kp);
    const tileB = Math.max(BLOCK_B, Math.floor(TILE_B_BYTES / (kp * 4 * BLOCK_B)) * BLOCK_B);
    const calls: KernelCall[] = [];
    for (let i0 = 0; i0 < mp; i0 += TILE_ROWS) {
      const rows = Math.min(TILE_ROWS, mp - i0);
      for (let j0 = 0; j0 < np; j0 += tileB) {
        const cols = Math.min(tileB, np - j0);
        calls.push({ kernel: 0, args: [aAt + i0 * kp * 4, bAt + j0 * kp * 4, cAt + (i0 * np + j0) * 4, rows, cols, kp * 4, np * 4, 0], cost: rows * cols * kp });
      }
    }
    this.pool.run(calls, ({ args }) => this.kernel(...args));
    const c = new Float32Array(buffer, cAt, mp * np);
    const out = new Float32Array(m * n);
    if (np === n) out.set(c.subarray(0, m * n));
    else for (let i = 0; i < m; i++) out.set(c.subarray(i * np, i * np + n), i * n);
    return { rows: m, cols: n, data: out };
  }

  private ensure(bytes: number): void {
    const need = Math.ceil(bytes / PAGE);
    const have = this.memory.buffer.byteLength / PAGE;
    if (need > MAX_PAGES) throw new Error(`ThreadedGemm: ${bytes} bytes exceed the 4 GiB WebAssembly memory`);
    if (need > have) this.memory.grow(need - have);
  }
}

/**
 * Writes an operand into `dst` (rowsP × kp) as rows along the inner dimension, zero-padded: the
 * stored rows as they are (`asStored`), or the stored matrix transposed (a blocked transpose).
 */
function pack(src: Operand, asStored: boolean, dst: Float32Array, rowsP: number, kp: number): void {
  const { data, rows, cols } = src;
  if (asStored) {
    if (cols === kp) dst.set(data.subarray(0, rows * cols));
    else for (let r = 0; r < rows; r++) {
      dst.set(data.subarray(r * cols, (r + 1) * cols), r * kp);
      dst.fill(0, r * kp + cols, (r + 1) * kp);
    }
    dst.fill(0, rows * kp, rowsP * kp);
    return;
  }
  // dst[j, i] = src[i, j]: `cols` output rows of `rows` values.
  for (let i0 = 0; i0 < rows; i0 += TRANSPOSE_BLOCK) {
    const i1 = Math.min(rows, i0 + TRANSPOSE_BLOCK);
    for (let j0 = 0; j0 < cols; j0 += TRANSPOSE_BLOCK) {
      const j1 = Math.min(cols, j0 + TRANSPOSE_BLOCK);
      for (let i = i0; i < i1; i++) {
        const s = i * cols;
        for (let j = j0; j < j1; j++) dst[j * kp + i] = data[s + j] as number;
      }
    }
  }
  if (rows < kp) for (let j = 0; j < cols; j++) dst.fill(0, j * kp + rows, (j + 1) * kp);
  dst.fill(0, cols * kp, rowsP * kp);
}
