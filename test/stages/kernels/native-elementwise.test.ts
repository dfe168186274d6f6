// The native element-wise kernels give the bits of one scalar IEEE operation sequence, whatever the
// ISA clone the CPU picks (AVX-512, AVX2, baseline) and the thread count: the loops are compiled
// without fused multiply-adds and reduce in a fixed order, so each clone must equal this spec.
import { describe, expect, it } from "vitest";
import { Prng } from "../../../stages/lib/core/prng.js";
import { NATIVE, nativeCompute } from "../helpers/compute.js";

const f = Math.fround;

/** C's rintf: round half to even. */
function rint(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 ? 2 * Math.round(v / 2) : r;
}

/** native/vector-math.h vexp, one float32 operation at a time. */
function vexp(x0: number): number {
  let x = x0 < f(-87.3) ? f(-87.3) : x0 > f(88.3) ? f(88.3) : x0;
  x = f(x);
  const n = rint(f(x * f(1.44269504088896341)));
  const r = f(f(x - f(n * f(0.693359375))) + f(n * f(2.12194440e-4)));
  let p = f(1.9875691500e-4);
  for (const c of [1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1]) p = f(f(p * r) + f(c));
  const e = f(f(f(f(p * r) * r) + r) + 1);
  return f(e * 2 ** n);
}

/** native/vector-math.h verf (Abramowitz & Stegun 7.1.26), one float32 operation at a time. */
function verf(x: number): number {
  const a = x < 0 ? -x : x;
  const t = f(1 / f(1 + f(f(0.3275911) * a)));
  let poly = f(1.061405429);
  for (const c of [-1.453152027, 1.421413741, -0.284496736, 0.254829592]) poly = f(f(c) + f(t * poly));
  poly = f(t * poly);
  const y = f(1 - f(poly * vexp(f(-a * a))));
  return x < 0 ? -y : y;
}

function layerNormSpec(x: Float32Array, gamma: Float32Array, beta: Float32Array, rows: number, cols: number, eps: number): Float32Array {
  const y = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    let s = 0;
    for (let j = 0; j < cols; j++) s += x[i * cols + j] as number;
    const mean = f(s / cols);
    let v = 0;
    for (let j = 0; j < cols; j++) {
      const c = f((x[i * cols + j] as number) - mean);
      v += c * c;
    }
    const r = f(1 / Math.sqrt(v / cols + f(eps)));
    for (let j = 0; j < cols; j++) {
      const h = f(f((x[i * cols + j] as number) - mean) * r);
      y[i * cols + j] = f(f(h * (gamma[j] as number)) + (beta[j] as number));
    }
  }
  return y;
}

function geluSpec(x: Float32Array): Float32Array {
  return x.map((v) => f(v * f(f(0.5) * f(1 + verf(f(v * f(0.70710678118654752)))))));
}

function adamwSpec(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, s: { scale: number; decay: number; b1: number; b2: number; step: number; bc2: number; eps: number }): void {
  const [scale, decay, b1, b2, step, bc2, eps] = [s.scale, s.decay, s.b1, s.b2, s.step, s.bc2, s.eps].map(f) as [number, number, number, number, number, number, number];
  const omb1 = f(1 - b1), omb2 = f(1 - b2);
  for (let i = 0; i < p.length; i++) {
    const gi = f((g[i] as number) * scale);
    const mi = f(f((m[i] as number) * b1) + f(gi * omb1));
    const vi = f(f((v[i] as number) * b2) + f(f(gi * gi) * omb2));
    m[i] = mi;
    v[i] = vi;
    p[i] = f(f((p[i] as number) * decay) - f(f(mi / f(f(f(Math.sqrt(vi)) / bc2) + eps)) * step));
  }
}

function randoms(n: number, seed: number, scale = 3): Float32Array {
  const prng = new Prng(seed, "elementwise");
  return Float32Array.from({ length: n }, () => prng.normal() * scale);
}

function bits(a: Float32Array): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString("hex");
}

describe.skipIf(!NATIVE)("native element-wise kernels", () => {
  // 1030 columns: whole vectors of every width plus a remainder.
  const rows = 5, cols = 1030;
  for (const threads of [1, 2]) {
    it(`LayerNorm, GELU and AdamW equal the scalar spec bit for bit (${threads} thread${threads > 1 ? "s" : ""})`, () => {
      const { addon } = nativeCompute(threads).native;
      const x = randoms(rows * cols, 1), gamma = randoms(cols, 2, 1), beta = randoms(cols, 3, 1);
      const y = new Float32Array(rows * cols), xhat = new Float32Array(rows * cols), rstd = new Float32Array(rows);
      addon.layerNormForward(x, gamma, beta, rows, cols, 1e-5, y, xhat, rstd, threads);
      expect(bits(y)).toBe(bits(layerNormSpec(x, gamma, beta, rows, cols, 1e-5)));

      const out = new Float32Array(rows * cols), cdf = new Float32Array(rows * cols);
      addon.geluForward(x, new Float32Array(0), x.length, out, cdf, threads);
      expect(bits(out)).toBe(bits(geluSpec(x)));

      const p = randoms(rows * cols, 4), g = randoms(rows * cols, 5), m = randoms(rows * cols, 6, 0.1), v = randoms(rows * cols, 7, 0.1).map(Math.abs);
      const [p2, m2, v2] = [p.slice(), m.slice(), v.slice()];
      const s = { scale: 0.7, decay: 1 - 5e-4 * 5e-3, b1: 0.9, b2: 0.999, step: 5e-4 / (1 - 0.9 ** 3), bc2: Math.sqrt(1 - 0.999 ** 3), eps: 1e-8 };
      addon.adamwStep(p, g, m, v, s.scale, s.decay, s.b1, s.b2, s.step, s.bc2, s.eps, threads);
      adamwSpec(p2, g, m2, v2, s);
      expect(bits(p)).toBe(bits(p2));
      expect(bits(m)).toBe(bits(m2));
      expect(bits(v)).toBe(bits(v2));
    });
  }
});
