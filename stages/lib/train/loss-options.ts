// The training loss's settings and the cost of its products: plain values both compute paths read (no tfjs here).

/** Weights of the three loss terms (params.loss); a zero weight skips that term entirely. */
export interface LossWeights {
  readonly mse: number;
  readonly cosine: number;
  readonly infonce: number;
}

/** Symmetric (caption→image and image→caption, averaged) or caption→image only. */
export type InfoNceDirection = "symmetric" | "caption_to_image";

/** Everything the loss needs besides predictions and targets. */
export interface LossOptions {
  readonly weights: LossWeights;
  /** InfoNCE softmax temperature. */
  readonly temperature: number;
  readonly direction: InfoNceDirection;
}

/** Floating-point operations of the loss's matrix products for a batch (InfoNCE's S = q·kᵀ and dS·k). */
export function lossFlops(rows: number, dOut: number, options: LossOptions): number {
  return options.weights.infonce !== 0 ? 4 * rows * rows * dOut : 0;
}
