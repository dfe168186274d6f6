// A small seeded pseudo-random generator (xoshiro128**, seeded by splitmix32) with normals.
//
// Deterministic across platforms: only 32-bit integer arithmetic (Math.imul, shifts), so a seed
// and a stream name always give the same sequence. Not for cryptography.

function splitmix32(state: number): { next: () => number } {
  let a = state | 0;
  return {
    next() {
      a = (a + 0x9e3779b9) | 0;
      let t = a ^ (a >>> 16);
      t = Math.imul(t, 0x21f0aaad);
      t ^= t >>> 15;
      t = Math.imul(t, 0x735a2d97);
      return (t ^ (t >>> 15)) >>> 0;
    },
  };
}

/** FNV-1a of a string, to derive independent streams from one seed. */
function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** A seeded generator; `new Prng(seed, "images")` and `new Prng(seed, "captions")` are independent. */
export class Prng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spare = Number.NaN;

  constructor(seed: number, stream = "") {
    const lo = seed >>> 0;
    const hi = Math.floor(seed / 4294967296) >>> 0;
    const mix = splitmix32(lo ^ Math.imul(hi, 0x85ebca6b) ^ hashString(stream));
    this.s0 = mix.next();
    this.s1 = mix.next();
    this.s2 = mix.next();
    this.s3 = mix.next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** The generator's four state words (unsigned), e.g. to run the same stream in native code. */
  state(): [number, number, number, number] {
    return [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0];
  }

  /** A uniform 32-bit unsigned integer. */
  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** A uniform number in [0, 1) with 53 random bits. */
  uniform(): number {
    return ((this.nextU32() >>> 5) * 67108864 + (this.nextU32() >>> 6)) / 9007199254740992;
  }

  /** A uniform integer in [0, n). */
  below(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** A standard normal (Box–Muller; the second value of each pair is kept for the next call). */
  normal(): number {
    if (!Number.isNaN(this.spare)) {
      const s = this.spare;
      this.spare = Number.NaN;
      return s;
    }
    const u = 1 - this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Fills `out` with normals of the given standard deviation. */
  fillNormal(out: Float32Array | Float64Array, std = 1): void {
    for (let i = 0; i < out.length; i++) out[i] = std * this.normal();
  }

  /**
   * Fills `out` with approximately normal noise of the given standard deviation: draws from a
   * fixed table of 65,536 normals, two per 32-bit draw. Several times faster than fillNormal,
   * for isotropic noise where the tails do not matter.
   */
  fillNoise(out: Float32Array | Float64Array, std = 1): void {
    const table = noiseTable();
    let i = 0;
    for (; i + 1 < out.length; i += 2) {
      const u = this.nextU32();
      out[i] = std * (table[u >>> 16] as number);
      out[i + 1] = std * (table[u & 0xffff] as number);
    }
    if (i < out.length) out[i] = std * (table[this.nextU32() >>> 16] as number);
  }

  /** Shuffles in place (Fisher–Yates). */
  shuffle(a: Int32Array): void {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.below(i + 1);
      const t = a[i] as number;
      a[i] = a[j] as number;
      a[j] = t;
    }
  }

  /** A random permutation of 0..n-1. */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    this.shuffle(p);
    return p;
  }
}

let table: Float32Array | undefined;

/** 65,536 standard normals from a fixed seed, shared by every fillNoise call. */
function noiseTable(): Float32Array {
  if (table === undefined) {
    table = new Float32Array(65536);
    new Prng(0x5eed, "noise-table").fillNormal(table);
  }
  return table;
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
