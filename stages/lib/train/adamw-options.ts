// AdamW's settings with torch's defaults and clip_grad_norm_'s scale: plain arithmetic both optimisers (adamw.ts, native-adamw.ts) share.

/** AdamW hyper-parameters other than the (scheduled) learning rate; torch's defaults. */
export interface AdamWOptions {
  readonly weightDecay: number;
  readonly beta1?: number;
  readonly beta2?: number;
  readonly eps?: number;
}

/** The options with torch's defaults filled in. */
export function adamWSettings(options: AdamWOptions): Required<AdamWOptions> {
  return { weightDecay: options.weightDecay, beta1: options.beta1 ?? 0.9, beta2: options.beta2 ?? 0.999, eps: options.eps ?? 1e-8 };
}

/** clip_grad_norm_'s scale for gradients of global norm `norm`: min(1, maxNorm / (norm + 1e-6)). */
export function clipCoefficient(norm: number, maxNorm: number): number {
  return Math.min(1, maxNorm / (norm + 1e-6));
}
