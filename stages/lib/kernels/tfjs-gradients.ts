// tfjs's registered gradients, for training on tfjs: the @tensorflow/tfjs package registers one per
// op (tfjs-core alone registers none), and MatMul's is replaced by one with explicit transposes.
//
// tfjs's own MatMul gradient forms dy·Bᵀ and Aᵀ·dy with transposed-operand products, which tfjs's
// wasm backend runs ~30× slower than plain ones (tfjs-gemm.ts); the same products with the
// transposes made explicit give the same values at the plain products' speed.
import * as tf from "@tensorflow/tfjs-core";

let registered: Promise<void> | undefined;

/** The last two axes swapped (tfjs runs 2-D products as 3-D batches). */
function swap(x: tf.Tensor): tf.Tensor {
  return x.rank === 3 ? tf.transpose(x, [0, 2, 1]) : tf.transpose(x);
}

/** Registers tfjs's gradients once per process (loading @tensorflow/tfjs takes ~0.3 s, so only training does). */
export function registerGradients(): Promise<void> {
  registered ??= (async () => {
    // A variable specifier: the package's types pull in its whole tree, which nothing here needs.
    const umbrella = "@tensorflow/tfjs";
    await import(umbrella);
    tf.registerGradient({
      kernelName: tf.BatchMatMul,
      inputsToSave: ["a", "b"],
      gradFunc: (dy, saved, attrs) => {
        const [a, b] = saved as [tf.Tensor, tf.Tensor];
        const { transposeA, transposeB } = attrs as unknown as { transposeA: boolean; transposeB: boolean };
        const g = dy as tf.Tensor;
        const mm = (x: tf.Tensor, y: tf.Tensor): tf.Tensor => tf.matMul(x as tf.Tensor3D, y as tf.Tensor3D);
        if (!transposeA && !transposeB) return { a: () => mm(g, swap(b)), b: () => mm(swap(a), g) };
        if (!transposeA && transposeB) return { a: () => mm(g, b), b: () => mm(swap(g), a) };
        if (transposeA && !transposeB) return { a: () => mm(b, swap(g)), b: () => mm(a, g) };
        return { a: () => mm(swap(b), swap(g)), b: () => mm(swap(g), swap(a)) };
      },
    });
  })();
  return registered;
}
