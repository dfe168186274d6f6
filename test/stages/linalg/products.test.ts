// Matrix products (Gram, cross-product, A·B, A·Bᵀ, fixed-operand products) against naive sums, on
// each Gemm: native (native/*.cc, as `npm install` builds it) and tfjs's (float32 on tfjs, float64 in JS).
import { execFileSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { Matrix } from "../../../stages/lib/core/matrix.js";
import type { Gemm } from "../../../stages/lib/kernels/gemm.js";
import * as products from "../../../stages/lib/linalg/products.js";
import { NATIVE, nativeCompute, tfjsCompute } from "../helpers/compute.js";
import { filled } from "../helpers/numerics-fixture.js";

const GEMMS: { name: string; make: () => Promise<Gemm> }[] = [
  ...(NATIVE ? [{ name: "native", make: async () => nativeCompute().gemm }] : []),
  { name: "tfjs wasm", make: async () => (await tfjsCompute("wasm")).gemm },
  { name: "tfjs cpu", make: async () => (await tfjsCompute("cpu")).gemm },
];
const PANEL = products.PANEL_ROWS;

const at = (m: Matrix, i: number, j: number): number => m.data[i * m.cols + j] as number;

for (const { name, make } of GEMMS) {
  describe(`products (${name})`, () => {
    // 2100 rows: several panels on every path, the last partial; 7 and 5 columns: padding.
    const a = filled(2100, 7, 1);
    const b = filled(2100, 5, 2);
    const rows = Int32Array.from({ length: 2090 }, (_, i) => (i * 37) % 2100);
    const ca = [0.1, -0.2, 0.3, 0, 0.05, 1, -1];
    const cb = [0.5, 0.25, -0.5, 0, 2];

    it("gram: centred AᵀA of selected rows, symmetric, to 1e-12", async () => {
      const gemm = await make();
      const g = products.gram(gemm, a, { rows, center: ca });
      for (let i = 0; i < 7; i++) {
        for (let j = 0; j < 7; j++) {
          let want = 0;
          for (const r of rows) want += (at(a, r, i) - (ca[i] as number)) * (at(a, r, j) - (ca[j] as number));
          expect(Math.abs((g.data[i * 7 + j] as number) - want)).toBeLessThan(1e-12 * rows.length);
        }
      }
    });

    it("gram: 600 columns, more than one block of output rows, symmetric, to 1e-12", async () => {
      const gemm = await make();
      const w = filled(40, 600, 9);
      const g = products.gram(gemm, w);
      let worst = 0;
      for (let i = 0; i < 600; i++) {
        for (let j = 0; j < 600; j++) {
          let want = 0;
          for (let r = 0; r < 40; r++) want += at(w, r, i) * at(w, r, j);
          worst = Math.max(worst, Math.abs((g.data[i * 600 + j] as number) - want));
          if (g.data[i * 600 + j] !== g.data[j * 600 + i]) worst = Infinity;
        }
      }
      expect(worst).toBeLessThan(1e-12 * 40);
    });

    it("crossProduct: AᵀB with rows and centres on each side, and progress per panel", async () => {
      const gemm = await make();
      const seen: string[] = [];
      const c = products.crossProduct(gemm, a, b, { center: ca }, { rows: Int32Array.from({ length: 2100 }, (_, i) => 2099 - i), center: cb }, (done, total) => seen.push(`${done}/${total}`));
      const steps = ["0/2100"];
      for (let done = PANEL; done < 2100; done += PANEL) steps.push(`${done}/2100`);
      expect(seen).toEqual([...steps, "2100/2100"]);
      for (let i = 0; i < 7; i++) {
        for (let j = 0; j < 5; j++) {
          let want = 0;
          for (let r = 0; r < 2100; r++) want += (at(a, r, i) - (ca[i] as number)) * (at(b, 2099 - r, j) - (cb[j] as number));
          expect(Math.abs((c.data[i * 5 + j] as number) - want)).toBeLessThan(1e-10);
        }
      }
    });

    it("multiply and multiplyABt: float32 products of odd shapes", async () => {
      const gemm = await make();
      const x = filled(5, 9, 3), w = filled(9, 3, 4), g = filled(11, 9, 5);
      const xw = products.multiply(gemm, x, w);
      const xg = products.multiplyABt(gemm, x, g);
      for (let i = 0; i < 5; i++) {
        for (let j = 0; j < 3; j++) {
          let want = 0;
          for (let k = 0; k < 9; k++) want += at(x, i, k) * at(w, k, j);
          expect(Math.abs((xw.data[i * 3 + j] as number) - want)).toBeLessThan(1e-5);
        }
        for (let j = 0; j < 11; j++) {
          let want = 0;
          for (let k = 0; k < 9; k++) want += at(x, i, k) * at(g, j, k);
          expect(Math.abs((xg.data[i * 11 + j] as number) - want)).toBeLessThan(1e-5);
        }
      }
    });

    it("against: equal gallery rows get bit-identical scores wherever they sit in a block", async () => {
      const gemm = await make();
      const g = filled(9, 13, 6);
      g.data.copyWithin(8 * 13, 0, 13); // row 8 (a remainder row) = row 0
      g.data.copyWithin(3 * 13, 0, 13); // row 3 (inside a block) = row 0
      const q = filled(6, 13, 7);
      const fixed = gemm.against(g.data, 9, 13);
      const block = new Float32Array(6 * 9);
      fixed.multiply(q.data, 6, block);
      fixed.dispose();
      for (let i = 0; i < 6; i++) {
        expect(block[i * 9 + 3]).toBe(block[i * 9]);
        expect(block[i * 9 + 8]).toBe(block[i * 9]);
        let want = 0;
        for (let k = 0; k < 13; k++) want += at(q, i, k) * at(g, 0, k);
        expect(Math.abs((block[i * 9] as number) - want)).toBeLessThan(1e-5);
      }
    });
  });
}

describe.skipIf(!NATIVE)("native GEMM variants", () => {
  /** A product's bits from the addon in a child process with DAG_NATIVE_ISA set, and the variant that ran. */
  function productBits(isa: string): { isa: string; bits: string } {
    const script = `
      const k = require(${JSON.stringify(path.resolve(import.meta.dirname, "../../../native/build/Release/dag_kernels.node"))});
      let s = 7; const r = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296) - 0.5;
      const a = Float32Array.from({ length: 90 * 700 }, r), b = Float32Array.from({ length: 700 * 50 }, r), c = new Float32Array(90 * 50);
      k.gemm(true, false, 90, 50, 700, a, 90, b, 50, c, 50, false, 2);
      const d = Float64Array.from({ length: 90 * 700 }, r), e = Float64Array.from({ length: 700 * 50 }, r), f = new Float64Array(90 * 50);
      k.gemm(false, true, 90, 50, 700, d, 700, e, 700, f, 50, false, 2);
      console.log(JSON.stringify({ isa: k.isa, bits: Buffer.from(c.buffer).toString("hex") + Buffer.from(f.buffer).toString("hex") }));`;
    return JSON.parse(execFileSync(process.execPath, ["-e", script], { env: { ...process.env, DAG_NATIVE_ISA: isa }, encoding: "utf8" })) as { isa: string; bits: string };
  }

  it("AVX2 and AVX-512 give the same bits (same summation order, FMA in both); the portable build runs too", () => {
    const best = productBits(""), avx2 = productBits("avx2"), portable = productBits("portable");
    expect(portable.isa).toBe("portable");
    if (avx2.isa === "avx2") expect(avx2.bits).toBe(best.bits);
    // Without FMA the portable build rounds differently, but computes the same product.
    const floats = (hex: string): Float32Array => {
      const bytes = Buffer.from(hex.slice(0, 90 * 50 * 8), "hex");
      return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
    };
    const want = floats(best.bits), got = floats(portable.bits);
    expect(got.length).toBe(90 * 50);
    for (let i = 0; i < want.length; i++) expect(Math.abs((got[i] as number) - (want[i] as number))).toBeLessThan(1e-4);
  });
});
