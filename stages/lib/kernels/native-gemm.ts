// The Gemm of the native addon: every transpose form read in place, spread over threads, the same bits for any thread count.
import type { FixedProduct, Gemm } from "./gemm.js";
import type { NativeAddon } from "./native-addon.js";

export function nativeGemm(addon: NativeAddon, isa: string, threads: number): Gemm {
  const t = Math.max(1, Math.floor(threads));
  return {
    name: `native ${isa}`,
    f32: (ta, tb, m, n, k, a, lda, b, ldb, c, ldc, acc) => addon.gemm(ta, tb, m, n, k, a, lda, b, ldb, c, ldc, acc, t),
    f64: (ta, tb, m, n, k, a, lda, b, ldb, c, ldc, acc) => addon.gemm(ta, tb, m, n, k, a, lda, b, ldb, c, ldc, acc, t),
    against(b, n, k): FixedProduct {
      return {
        multiply: (a, m, out) => addon.gemm(false, true, m, n, k, a, k, b, k, out, n, false, t),
        dispose() {},
      };
    },
  };
}
