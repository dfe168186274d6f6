// A minimal WebAssembly binary writer: enough to hand-assemble the SIMD kernels in simd-kernels.ts.
//
// It knows one shape of module: an imported linear memory (env.memory) and a list of exported
// functions, each with its own signature. Function bodies are written as
// byte sequences with the opcode helpers below (`op.*`), in the order the WebAssembly spec's
// stack machine reads them.

/** Value types of locals. */
export const I32 = 0x7f;
export const F32 = 0x7d;
export const F64 = 0x7c;
export const V128 = 0x7b;

export type ValueType = typeof I32 | typeof F32 | typeof F64 | typeof V128;

/** Unsigned LEB128. */
export function uleb(value: number): number[] {
  const out: number[] = [];
  let v = value >>> 0;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
  return out;
}

/** Signed LEB128 of a 32-bit integer. */
export function sleb(value: number): number[] {
  const out: number[] = [];
  let v = value | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    const done = (v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

function name(text: string): number[] {
  const bytes = Array.from(new TextEncoder().encode(text));
  return [...uleb(bytes.length), ...bytes];
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

/** Opcodes (with their immediates) used by the kernels. A memory offset is a byte offset. */
export const op = {
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  if: [0x04, 0x40],
  end: [0x0b],
  br: (depth: number) => [0x0c, ...uleb(depth)],
  brIf: (depth: number) => [0x0d, ...uleb(depth)],
  get: (local: number) => [0x20, ...uleb(local)],
  set: (local: number) => [0x21, ...uleb(local)],
  tee: (local: number) => [0x22, ...uleb(local)],
  i32: (value: number) => [0x41, ...sleb(value)],
  i32Add: [0x6a],
  i32Sub: [0x6b],
  i32Mul: [0x6c],
  i32Shl: [0x74],
  i32GeU: [0x4f],
  i32LtU: [0x49],
  i32And: [0x71],
  i32TruncF64S: [0xaa],
  f32Load: (offset: number) => [0x2a, 0x02, ...uleb(offset)],
  f64Load: (offset: number) => [0x2b, 0x03, ...uleb(offset)],
  f32Store: (offset: number) => [0x38, 0x02, ...uleb(offset)],
  f64Store: (offset: number) => [0x39, 0x03, ...uleb(offset)],
  f32Add: [0x92],
  f64Add: [0xa0],
  f64Sub: [0xa1],
  f64Mul: [0xa2],
  v128Load: (offset: number) => [0xfd, 0x00, 0x04, ...uleb(offset)],
  v128Zero: [0xfd, 0x0c, ...new Array<number>(16).fill(0)],
  f64Zero: [0x44, 0, 0, 0, 0, 0, 0, 0, 0],
  f32x4ExtractLane: (lane: number) => [0xfd, 0x1f, lane],
  f64x2ExtractLane: (lane: number) => [0xfd, 0x21, lane],
  f32x4Add: [0xfd, 0xe4, 0x01],
  f32x4Mul: [0xfd, 0xe6, 0x01],
  f64x2Add: [0xfd, 0xf0, 0x01],
  f64x2Mul: [0xfd, 0xf2, 0x01],
  f64x2Sub: [0xfd, 0xf1, 0x01],
  f64x2Splat: [0xfd, 0x14],
  v128Store: (offset: number) => [0xfd, 0x0b, 0x04, ...uleb(offset)],
} as const;

/** One exported function: parameter and result types, extra locals (indexed after the params) and body. */
export interface WasmFunction {
  readonly name: string;
  readonly params: readonly ValueType[];
  readonly results: readonly ValueType[];
  readonly locals: readonly ValueType[];
  readonly body: readonly number[];
}

/** Assembles a module importing `env.memory` (shared when asked, with that many 64 KiB pages at most). */
export function assembleModule(functions: readonly WasmFunction[], memory: { shared: boolean; maxPages: number }): Uint8Array {
  const types = functions.map((f) => [0x60, ...uleb(f.params.length), ...f.params, ...uleb(f.results.length), ...f.results]);
  const limits = memory.shared ? [0x03, ...uleb(1), ...uleb(memory.maxPages)] : [0x01, ...uleb(1), ...uleb(memory.maxPages)];
  const imports = [[...name("env"), ...name("memory"), 0x02, ...limits]];
  const exports = functions.map((f, i) => [...name(f.name), 0x00, ...uleb(i)]);
  const bodies = functions.map((f) => {
    const groups: number[][] = [];
    for (const t of f.locals) {
      const last = groups[groups.length - 1];
      if (last !== undefined && last[1] === t) last[0] = (last[0] as number) + 1;
      else groups.push([1, t]);
    }
    const body = [...vec(groups.map(([count, t]) => [...uleb(count as number), t as number])), ...f.body, ...op.end];
    return [...uleb(body.length), ...body];
  });
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec(types)),
    ...section(2, vec(imports)),
    ...section(3, vec(functions.map((_, i) => uleb(i)))),
    ...section(7, vec(exports)),
    ...section(10, vec(bodies)),
  ]);
}
