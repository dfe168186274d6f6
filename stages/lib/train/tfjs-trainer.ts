// Training steps on tfjs, where the native kernels are missing: the forward pass and loss in tfjs ops, tfjs's gradients, AdamW on tensors.
import * as tf from "@tensorflow/tfjs-core";
import { copyTensors, type ProjectorParams } from "../model/projector.js";
import { assignTfjs, disposeTfjs, forward, predict, tfjsProjector, tfjsTensors } from "../model/tfjs-projector.js";
import { AdamW, clipGradNorm } from "./adamw.js";
import type { LossOptions } from "./loss-options.js";
import { projectorLoss } from "./losses.js";
import type { Trainer } from "./trainer.js";

/** Settings of the steps. */
export interface StepOptions {
  readonly loss: LossOptions;
  readonly weightDecay: number;
  /** Global gradient-norm limit; 0 turns clipping off. */
  readonly gradClip: number;
}

/** A trainer over tfjs variables; tfjs's gradients must be registered first (kernels/tfjs-gradients.ts). */
export function tfjsTrainer(params: ProjectorParams, options: StepOptions): Trainer {
  const p = tfjsProjector({ shape: params.shape, tensors: copyTensors(params.tensors) });
  const vars = [...p.variables];
  const opt = new AdamW(vars, { weightDecay: options.weightDecay });
  return {
    step({ x, y, ids, rows, dropout }, lr) {
      const xt = tf.tensor2d(x, [rows, p.shape.dIn]);
      const yt = tf.tensor2d(y, [rows, p.shape.dOut]);
      const { value, grads } = tf.variableGrads(() => projectorLoss(forward(p, xt, dropout), yt, ids, options.loss), vars);
      const loss = value.dataSync()[0] as number;
      const ordered = vars.map((v) => grads[v.name] as tf.Tensor);
      if (Number.isFinite(loss)) {
        const clipped = options.gradClip > 0 ? clipGradNorm(ordered, options.gradClip).grads : ordered;
        opt.apply(clipped, lr);
        if (clipped !== ordered) tf.dispose(clipped);
      }
      tf.dispose([xt, yt, value, ...ordered]);
      return loss;
    },
    predict: (x) => predict(p, x),
    tensors: () => tfjsTensors(p),
    load: (tensors) => assignTfjs(p, tensors),
    dispose() {
      opt.dispose();
      disposeTfjs(p);
    },
  };
}
