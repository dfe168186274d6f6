// AdamW with decoupled weight decay and global gradient-norm clipping, with torch's exact semantics:
// the tfjs path's optimiser (native-adamw.ts drives native/adamw.cc; both read adamw-options.ts).
import * as tf from "@tensorflow/tfjs-core";
import { adamWSettings, clipCoefficient, type AdamWOptions } from "./adamw-options.js";

/**
 * torch.optim.AdamW (amsgrad off): for each parameter p with gradient g at step t (1-based)
 *   p ← p·(1 − lr·wd)
 *   m ← β1·m + (1 − β1)·g,   v ← β2·v + (1 − β2)·g²
 *   p ← p − (lr / (1 − β1^t)) · m / (√v / √(1 − β2^t) + eps)
 */
export class AdamW {
  private readonly m: tf.Variable[];
  private readonly v: tf.Variable[];
  private readonly beta1: number;
  private readonly beta2: number;
  private readonly eps: number;
  private readonly weightDecay: number;
  /** Steps taken so far. */
  step = 0;

  constructor(
    private readonly params: readonly tf.Variable[],
    options: AdamWOptions,
  ) {
    ({ beta1: this.beta1, beta2: this.beta2, eps: this.eps, weightDecay: this.weightDecay } = adamWSettings(options));
    this.m = params.map((p) => tf.tidy(() => tf.variable(tf.zerosLike(p), false)));
    this.v = params.map((p) => tf.tidy(() => tf.variable(tf.zerosLike(p), false)));
  }

  /** One update with learning rate `lr`; grads[i] belongs to params[i]. */
  apply(grads: readonly tf.Tensor[], lr: number): void {
    if (grads.length !== this.params.length) throw new Error(`AdamW: ${grads.length} gradients for ${this.params.length} parameters`);
    this.step++;
    const bc1 = 1 - this.beta1 ** this.step;
    const bc2Sqrt = Math.sqrt(1 - this.beta2 ** this.step);
    const stepSize = lr / bc1;
    const decay = 1 - lr * this.weightDecay;
    tf.tidy(() => {
      this.params.forEach((p, i) => {
        const g = grads[i] as tf.Tensor;
        const m = this.m[i] as tf.Variable;
        const v = this.v[i] as tf.Variable;
        const decayed = tf.mul(p, decay);
        m.assign(tf.add(tf.mul(m, this.beta1), tf.mul(g, 1 - this.beta1)));
        v.assign(tf.add(tf.mul(v, this.beta2), tf.mul(tf.square(g), 1 - this.beta2)));
        const denom = tf.add(tf.div(tf.sqrt(v), bc2Sqrt), this.eps);
        p.assign(tf.sub(decayed, tf.mul(tf.div(m, denom), stepSize)));
      });
    });
  }

  /** Frees the moment estimates. */
  dispose(): void {
    for (const t of [...this.m, ...this.v]) t.dispose();
  }
}

/**
 * torch.nn.utils.clip_grad_norm_: the global L2 norm of all gradients, and the gradients scaled
 * by min(1, maxNorm / (norm + 1e-6)). New tensors are returned; the inputs are left alone.
 */
export function clipGradNorm(grads: readonly tf.Tensor[], maxNorm: number): { grads: tf.Tensor[]; norm: number } {
  const norm = tf.tidy(() => Math.sqrt(tf.addN(grads.map((g) => tf.sum(tf.square(g)))).dataSync()[0] as number));
  const coef = clipCoefficient(norm, maxNorm);
  return { grads: grads.map((g) => (coef < 1 ? tf.mul(g, coef) : g.clone())), norm };
}
