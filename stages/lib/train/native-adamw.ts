// AdamW with global gradient-norm clipping on the native kernels, over parameters held as float32
// arrays (native-trainer.ts): adamw.ts's update (torch's semantics) in one native pass per parameter.
import { adamWSettings, clipCoefficient, type AdamWOptions } from "./adamw-options.js";
import type { NativeAddon } from "../kernels/native-addon.js";

/** torch.optim.AdamW plus clip_grad_norm_, as AdamW and clipGradNorm of adamw.ts, natively. */
export class NativeAdamW {
  private readonly m: Float32Array[];
  private readonly v: Float32Array[];
  private readonly settings: Required<AdamWOptions>;
  /** Steps taken so far. */
  step = 0;

  constructor(
    private readonly params: readonly Float32Array[],
    options: AdamWOptions,
    private readonly kernels: NativeAddon,
    private readonly threads: number,
  ) {
    this.settings = adamWSettings(options);
    this.m = params.map((p) => new Float32Array(p.length));
    this.v = params.map((p) => new Float32Array(p.length));
  }

  /**
   * One update in place with learning rate `lr`, the gradients first scaled by
   * min(1, maxNorm / (norm + 1e-6)) when maxNorm > 0 (norm = their global L2 norm); grads[i]
   * belongs to params[i]. Returns the norm.
   */
  update(grads: readonly Float32Array[], lr: number, maxNorm: number): number {
    if (grads.length !== this.params.length) throw new Error(`AdamW: ${grads.length} gradients for ${this.params.length} parameters`);
    let sumSq = 0;
    for (const g of grads) sumSq += this.kernels.sumOfSquares(g, this.threads);
    const norm = Math.sqrt(sumSq);
    const scale = maxNorm > 0 ? clipCoefficient(norm, maxNorm) : 1;
    const { beta1, beta2, eps, weightDecay } = this.settings;
    this.step++;
    const bc1 = 1 - beta1 ** this.step;
    const bc2Sqrt = Math.sqrt(1 - beta2 ** this.step);
    this.params.forEach((p, i) => {
      this.kernels.adamwStep(p, grads[i] as Float32Array, this.m[i] as Float32Array, this.v[i] as Float32Array,
        scale, 1 - lr * weightDecay, beta1, beta2, lr / bc1, bc2Sqrt, eps, this.threads);
    });
    return norm;
  }
}
