// WebAssembly SIMD kernels: float32 scores (A·Bᵀ), float64 Gram panels, and the float64 vector
// operations of the eigensolver and the Cholesky solve, in one module hand-assembled at first use.
//
// The GEMM kernels (simd-gemm.ts) are 4×2 register-blocked dot-product kernels; the vector
// operations (simd-vector.ts) work two float64 lanes at a time. All run in one WebAssembly linear
// memory owned by this module (an arena laid out afresh by each user), so callers copy operands
// in, padded with zeros to whole blocks where a kernel needs it; zero padding adds exact zeros.
// With more than one thread (kernel-pool.ts) the memory is shared and batches of kernel calls
// (`Arena.run`) are spread over worker threads running the same module.
//   scores32(a, b, c, m, n, kBytes, ldcBytes)        c[i, j]  = Σ a[i, ·]·b[j, ·]   (float32 lanes)
//   accumulate64(a, b, c, m, n, kBytes, ldcBytes, up) c[i, j] += Σ a[i, ·]·b[j, ·]  (float64 lanes;
//                                                     up = 1 skips 4×2 blocks below the diagonal)
// Every output is produced by the same sequence of operations wherever it falls in a block, so
// equal rows give bit-identical results (ties stay ties).
import { gemmKernel } from "./simd-gemm.js";
import { reflectRows64, rotations64, vectorKernels } from "./simd-vector.js";
import { KERNELS, KernelPool, threadCount, type KernelCall } from "./kernel-pool.js";
import { assembleModule } from "./wasm-assembler.js";
import { wasm, type WasmMemory } from "./wasm-api.js";

export { BLOCK_A, BLOCK_B } from "./simd-gemm.js";

const PAGE = 65_536;
const MAX_PAGES = 65_536;

/** Float64 vector operations on arena memory; addresses in bytes, lengths in elements. */
export interface VectorOps {
  /** y[k] += a·x[k]. */
  axpy64(y: number, x: number, len: number, a: number): void;
  /** e[k] += row[k]·f, returning Σ row[k]·d[k]. */
  dotAxpy64(row: number, d: number, e: number, len: number, f: number): number;
  /** row[k] −= f·e[k] + g·d[k]. */
  rank2Update64(row: number, e: number, d: number, len: number, f: number, g: number): void;
}

type KernelFunction = (a0: number, a1: number, a2: number, a3: number, a4: number, a5: number, a6: number, a7: number) => void;

interface Exports extends VectorOps {
  scores32: KernelFunction;
  accumulate64: KernelFunction;
  rotations64: KernelFunction;
  reflectRows64: KernelFunction;
}

/** The instantiated kernels and their memory, or undefined when this engine lacks WebAssembly SIMD. */
interface Instance {
  readonly memory: WasmMemory;
  readonly exports: Exports;
  readonly pool: KernelPool;
}

let instance: Instance | undefined | null = null;

function load(): Instance | undefined {
  if (instance !== null) return instance;
  const threads = threadCount();
  const shared = threads > 1;
  const kernels = [gemmKernel(KERNELS[0], "f32", false), gemmKernel(KERNELS[1], "f64", true), rotations64(), reflectRows64(), ...vectorKernels()];
  const bytes = assembleModule(kernels, { shared, maxPages: MAX_PAGES });
  if (process.env["DAG_NO_SIMD"] === "1" || !wasm.validate(bytes)) {
    instance = undefined;
    return instance;
  }
  const memory = new wasm.Memory({ initial: 16, maximum: MAX_PAGES, shared });
  const module = new wasm.Module(bytes);
  const inst = new wasm.Instance(module, { env: { memory } });
  instance = { memory, exports: inst.exports as unknown as Exports, pool: new KernelPool(module, memory, threads) };
  return instance;
}

/** Whether the SIMD kernels run here (WebAssembly SIMD present and DAG_NO_SIMD unset). */
export function simdAvailable(): boolean {
  return load() !== undefined;
}

/** Rounds n up to a multiple of `to`. */
export function roundUp(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}

/**
 * A bump allocator over the kernels' memory: `reserve` lays out regions (byte offsets, 16-byte
 * aligned) from the start and grows the memory once; views must be taken after the last reserve.
 * Every Arena starts at offset 0 of the one memory, so only one may be in use at a time: users
 * (products, scorer, eigensolver, Cholesky solve) copy their results out before returning.
 */
export class Arena {
  private top = 0;
  private readonly inst: Instance;

  constructor() {
    const inst = load();
    if (inst === undefined) throw new Error("WebAssembly SIMD is not available");
    this.inst = inst;
  }

  /** Reserves `bytes` and returns the region's byte offset. */
  reserve(bytes: number): number {
    const at = this.top;
    this.top = roundUp(at + bytes, 16);
    const need = Math.ceil(this.top / PAGE);
    const have = this.inst.memory.buffer.byteLength / PAGE;
    if (need > MAX_PAGES) throw new Error(`SIMD kernels: ${this.top} bytes exceed the 4 GiB WebAssembly memory`);
    if (need > have) this.inst.memory.grow(need - have);
    return at;
  }

  f32(offset: number, length: number): Float32Array {
    return new Float32Array(this.inst.memory.buffer, offset, length);
  }

  f64(offset: number, length: number): Float64Array {
    return new Float64Array(this.inst.memory.buffer, offset, length);
  }

  /** A call c (m×n float32, row stride ldc elements) = a (m×k) · b (n×k)ᵀ; m % 4 = 0, n % 2 = 0, k % 4 = 0. */
  scores32(a: number, b: number, c: number, m: number, n: number, k: number, ldc: number): KernelCall {
    return { kernel: KERNELS.indexOf("scores32"), args: [a, b, c, m, n, k * 4, ldc * 4, 0], cost: m * n * k };
  }

  /**
   * A call c (float64, row stride ldc) += a (m×k) · b (n×k)ᵀ; m % 4 = 0, n % 2 = 0, k % 2 = 0;
   * `upper` skips blocks below the diagonal.
   */
  accumulate64(a: number, b: number, c: number, m: number, n: number, k: number, ldc: number, upper: boolean): KernelCall {
    return { kernel: KERNELS.indexOf("accumulate64"), args: [a, b, c, m, n, k * 8, ldc * 8, upper ? 1 : 0], cost: upper ? (m * n * k) / 2 : m * n * k };
  }

  /**
   * A call applying `count` recorded rotations (float64 triples row, c, s at byte address rots) to
   * rows of the float64 matrix at m (row stride ld elements), over columns [col, col + len).
   */
  rotations64(m: number, ld: number, col: number, len: number, rots: number, count: number): KernelCall {
    return { kernel: KERNELS.indexOf("rotations64"), args: [m, ld * 8, col * 8, len, rots, count, 0, 0], cost: len * count };
  }

  /**
   * A call applying one Householder reflector to rows [j0, j1) of the float64 matrix at m (row
   * stride ld elements): row[0..len) −= (v·row)·d, v and d byte addresses of len-vectors.
   */
  reflectRows64(m: number, ld: number, v: number, d: number, len: number, j0: number, j1: number): KernelCall {
    return { kernel: KERNELS.indexOf("reflectRows64"), args: [m, ld * 8, v, d, len, j0, j1, 0], cost: (j1 - j0) * len };
  }

  /** Runs kernel calls that write disjoint outputs, spread over all threads (kernel-pool.ts). */
  run(calls: readonly KernelCall[]): void {
    const { exports } = this.inst;
    const kernels = KERNELS.map((name) => exports[name]);
    this.inst.pool.run(calls, ({ kernel, args }) => (kernels[kernel] as KernelFunction)(...args));
  }

  /** Threads a `run` spreads its calls over. */
  get threads(): number {
    return this.inst.pool.threads;
  }

  /** The float64 vector operations (byte addresses, lengths in elements); see simd-vector.ts. */
  get vector(): VectorOps {
    return this.inst.exports;
  }
}
