// What the training loop asks of a compute path: steps, predictions and the parameters as plain data.
import type { Matrix } from "../core/matrix.js";
import type { DropoutSpec } from "../model/dropout-mask.js";
import type { NamedTensor } from "../model/projector.js";

/** One batch: its rows of x and y, the image of every row, and the dropout of the step. */
export interface Batch {
  readonly x: Float32Array;
  readonly y: Float32Array;
  readonly ids: Int32Array;
  readonly rows: number;
  readonly dropout: DropoutSpec;
}

/** Runs training steps of one projector: the loss of a batch, then one clipped AdamW update. */
export interface Trainer {
  /** The batch's loss before the update; a non-finite loss leaves the parameters alone. */
  step(batch: Batch, lr: number): number;
  /** The current model's output for standardised captions (evaluation pass). */
  predict(x: Matrix): Matrix;
  /** A copy of the current parameters, in the saved order. */
  tensors(): NamedTensor[];
  /** Replaces the parameters (same names and shapes), e.g. by the best epoch's. */
  load(tensors: readonly NamedTensor[]): void;
  dispose(): void;
}
