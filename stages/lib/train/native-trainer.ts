// Training steps on the native kernels: the model's forward and backward pass (model/native-projector.ts),
// the loss and its gradient (native/loss.cc), AdamW with clipping (native-adamw.ts), on float32 arrays.
import type { NativeAddon } from "../kernels/native-addon.js";
import { NativeProjector } from "../model/native-projector.js";
import { copyTensors, type NamedTensor, type ProjectorParams } from "../model/projector.js";
import { NativeAdamW } from "./native-adamw.js";
import type { StepOptions } from "./tfjs-trainer.js";
import type { Trainer } from "./trainer.js";

/** The loss of `rows` predictions against their targets, its gradient written into dPred. */
export function nativeLoss(addon: NativeAddon, pred: Float32Array, y: Float32Array, ids: Int32Array, rows: number, d: number, options: StepOptions["loss"], dPred: Float32Array, threads: number): number {
  const { weights } = options;
  return addon.projectorLoss(pred, y, ids, rows, d, weights.mse, weights.cosine, weights.infonce, options.temperature, options.direction === "symmetric", dPred, threads);
}

/** A trainer over float32 copies of the parameters, for batches of up to maxRows rows. */
export function nativeTrainer(params: ProjectorParams, options: StepOptions, addon: NativeAddon, threads: number, maxRows: number): Trainer {
  const tensors = copyTensors(params.tensors);
  const arrays = tensors.map((t) => t.data);
  const model = new NativeProjector(params.shape, maxRows, addon, threads);
  const dPred = new Float32Array(maxRows * params.shape.dOut);
  const opt = new NativeAdamW(arrays, { weightDecay: options.weightDecay }, addon, threads);
  return {
    step({ x, y, ids, rows, dropout }, lr) {
      const pred = model.forward(arrays, x, rows, dropout);
      const grad = dPred.subarray(0, rows * params.shape.dOut);
      const loss = nativeLoss(addon, pred, y, ids, rows, params.shape.dOut, options.loss, grad, threads);
      const grads = model.backward(arrays, x, rows, grad);
      if (Number.isFinite(loss)) opt.update(grads, lr, options.gradClip);
      return loss;
    },
    predict: (x) => model.predict(arrays, x),
    tensors: () => copyTensors(tensors),
    load(saved: readonly NamedTensor[]) {
      const byName = new Map(saved.map((t) => [t.name, t]));
      tensors.forEach((t) => {
        const s = byName.get(t.name);
        if (s === undefined || s.data.length !== t.data.length) throw new Error(`no saved tensor ${t.name} of ${t.data.length} values`);
        t.data.set(s.data);
      });
    },
    dispose() {},
  };
}
