// Products split over worker threads equal the single-thread results bit for bit.
import { afterAll, describe, expect, it, vi } from "vitest";
import { filled } from "../helpers/numerics-fixture.js";

/** Bitwise equality of two typed arrays (vitest's deep equality is slow on large ones). */
function identical(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;
}

async function withThreads(threads: number) {
  vi.resetModules();
  delete process.env["DAG_NO_SIMD"];
  process.env["DAG_THREADS"] = String(threads);
  return {
    products: await import("../../../stages/lib/linalg/products.js"),
    metrics: await import("../../../stages/lib/eval/metrics.js"),
    eigen: await import("../../../stages/lib/linalg/eigen-symmetric.js"),
  };
}
afterAll(() => {
  delete process.env["DAG_THREADS"];
});

describe("kernel pool", () => {
  // 600 columns: 3×3 tiles of 256 (6 upper-triangle calls for the Gram); k = 1536 scores: 5 gallery tiles.
  const a = filled(300, 600, 1), b = filled(300, 520, 2);
  const q = filled(40, 1536, 3), g = filled(300, 1536, 4);
  const truth = Int32Array.from({ length: 40 }, (_, i) => (i * 7) % 300);

  it("gram, crossProduct, retrieval ranks and eigenvectors are identical with 1 and 3 threads", async () => {
    const one = await withThreads(1);
    const sym = one.products.gram(filled(400, 300, 5)); // 300 columns: QL rotations split between threads
    const eig1 = one.eigen.symmetricEigen(sym);
    if (!eig1.ok) throw new Error(eig1.error.message);
    const want = { gram: one.products.gram(a).data, cross: one.products.crossProduct(a, b).data, ranks: one.metrics.retrievalRanks(q, g, truth, "full") };
    const three = await withThreads(3);
    expect(identical(three.products.gram(a).data, want.gram)).toBe(true);
    expect(identical(three.products.crossProduct(a, b).data, want.cross)).toBe(true);
    expect(identical(three.metrics.retrievalRanks(q, g, truth, "full"), want.ranks)).toBe(true);
    expect(identical(three.products.gram(b).data, want.gram)).toBe(false);
    const eig3 = three.eigen.symmetricEigen(sym);
    if (!eig3.ok) throw new Error(eig3.error.message);
    expect(identical(eig3.value.vectors.data, eig1.value.vectors.data)).toBe(true);
    expect(identical(eig3.value.values, eig1.value.values)).toBe(true);
  });
});
