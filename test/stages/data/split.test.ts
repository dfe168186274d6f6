// The train/validation split and the seeded generator it draws from.
import { describe, expect, it } from "vitest";
import { Prng } from "../../../stages/lib/core/prng.js";
import { splitCaptions, validationCount } from "../../../stages/lib/data/split.js";

const labels = Int32Array.from({ length: 500 }, (_, i) => Math.floor(i / 5));

describe("splitCaptions", () => {
  it("by image: no validation caption's image has a training caption; both sides sorted and disjoint", () => {
    const s = splitCaptions(labels, 100, "image", 0.1, 42);
    expect(s.valImages).toBe(10);
    expect(s.val.length).toBe(50);
    expect(s.train.length).toBe(450);
    const trainImages = new Set(Array.from(s.train, (i) => labels[i]));
    for (const i of s.val) expect(trainImages.has(labels[i])).toBe(false);
    for (const side of [s.train, s.val]) for (let k = 1; k < side.length; k++) expect(side[k]).toBeGreaterThan(side[k - 1] as number);
    expect(new Set([...s.train, ...s.val]).size).toBe(500);
  });

  it("by caption: the requested share of captions, images shared across sides", () => {
    const s = splitCaptions(labels, 100, "caption", 0.1, 42);
    expect(s.val.length).toBe(50);
    const trainImages = new Set(Array.from(s.train, (i) => labels[i]));
    expect(Array.from(s.val).some((i) => trainImages.has(labels[i]))).toBe(true);
  });

  it("is a function of the seed", () => {
    expect(splitCaptions(labels, 100, "image", 0.2, 1)).toEqual(splitCaptions(labels, 100, "image", 0.2, 1));
    expect(splitCaptions(labels, 100, "image", 0.2, 1).val).not.toEqual(splitCaptions(labels, 100, "image", 0.2, 2).val);
  });

  it("keeps at least one item on each side", () => {
    expect(validationCount(10, 0.001)).toBe(1);
    expect(validationCount(10, 0.999)).toBe(9);
    expect(splitCaptions(Int32Array.of(0, 1), 2, "image", 0.5, 0).val.length).toBe(1);
  });
});

describe("Prng", () => {
  it("repeats for a seed and stream, differs across streams and seeds", () => {
    const draw = (seed: number, stream: string): number[] => {
      const r = new Prng(seed, stream);
      return Array.from({ length: 5 }, () => r.nextU32());
    };
    expect(draw(42, "a")).toEqual(draw(42, "a"));
    expect(draw(42, "a")).not.toEqual(draw(42, "b"));
    expect(draw(42, "a")).not.toEqual(draw(43, "a"));
    expect(draw(2 ** 40 + 1, "a")).not.toEqual(draw(1, "a"));
  });

  it("gives uniform [0, 1) and standard normal moments", () => {
    const r = new Prng(7);
    const n = 200_000;
    let su = 0;
    let sn = 0;
    let sn2 = 0;
    let fast2 = 0;
    const noise = new Float32Array(n);
    r.fillNoise(noise);
    for (let i = 0; i < n; i++) {
      const u = r.uniform();
      expect(u >= 0 && u < 1).toBe(true);
      su += u;
      const z = r.normal();
      sn += z;
      sn2 += z * z;
      fast2 += (noise[i] as number) ** 2;
    }
    expect(su / n).toBeCloseTo(0.5, 2);
    expect(sn / n).toBeCloseTo(0, 2);
    expect(sn2 / n).toBeCloseTo(1, 1);
    expect(fast2 / n).toBeCloseTo(1, 1);
  });

  it("permutation is a permutation", () => {
    const p = new Prng(1).permutation(1000);
    expect(Array.from(p).sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
  });
});
