// Products on the native kernels split over threads equal the single-thread results bit for bit.
import { describe, expect, it } from "vitest";
import { retrievalRanks } from "../../../stages/lib/eval/metrics.js";
import { crossProduct, gram } from "../../../stages/lib/linalg/products.js";
import { NATIVE, nativeCompute } from "../helpers/compute.js";
import { filled } from "../helpers/numerics-fixture.js";

/** Bitwise equality of two typed arrays (vitest's deep equality is slow on large ones). */
function identical(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;
}

describe.skipIf(!NATIVE)("native kernels on threads", () => {
  // 600 columns: two Gram blocks of 512 rows; 1500 rows: two panels; k = 1536 scores.
  const a = filled(1500, 600, 1), b = filled(1500, 520, 2);
  const q = filled(40, 1536, 3), g = filled(300, 1536, 4);
  const truth = Int32Array.from({ length: 40 }, (_, i) => (i * 7) % 300);

  it("gram, crossProduct and retrieval ranks are identical with 1 and 3 threads", () => {
    const one = nativeCompute(1).gemm, three = nativeCompute(3).gemm;
    expect(identical(gram(three, a).data, gram(one, a).data)).toBe(true);
    expect(identical(crossProduct(three, a, b).data, crossProduct(one, a, b).data)).toBe(true);
    expect(identical(retrievalRanks(three, q, g, truth, "full"), retrievalRanks(one, q, g, truth, "full"))).toBe(true);
    expect(identical(gram(three, b).data, gram(one, a).data)).toBe(false);
  });
});
