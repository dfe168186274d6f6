// Native training steps (model/native-projector.ts, native/loss.cc, native-adamw.ts) against torch
// (finetune.json), and against the tfjs path with dropout, on 1 and 2 threads.
import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import type { NativeAddon } from "../../../stages/lib/kernels/native-addon.js";
import { initBackend } from "../../../stages/lib/kernels/tf-backend.js";
import { registerGradients } from "../../../stages/lib/kernels/tfjs-gradients.js";
import { dropoutKeys, dropoutMask, type DropoutSpec } from "../../../stages/lib/model/dropout-mask.js";
import { NativeProjector } from "../../../stages/lib/model/native-projector.js";
import { disposeTfjs, forward, tfjsProjector } from "../../../stages/lib/model/tfjs-projector.js";
import type { LossOptions } from "../../../stages/lib/train/loss-options.js";
import { projectorLoss } from "../../../stages/lib/train/losses.js";
import { NativeAdamW } from "../../../stages/lib/train/native-adamw.js";
import { nativeLoss } from "../../../stages/lib/train/native-trainer.js";
import { NATIVE, nativeCompute } from "../helpers/compute.js";
import { fixtureParams, maxAbsDiff, readFixture } from "../helpers/torch-fixture.js";

const fx = readFixture();
const shape = { dIn: fx.config.d_in, dOut: fx.config.d_out, hidden: fx.config.hidden, depth: fx.config.depth };
const names = Object.keys(fx.params);

/** The fixture's parameters in the saved order, as float32 arrays. */
function params(): Float32Array[] {
  return fixtureParams(fx).tensors.map((t) => Float32Array.from(t.data));
}

/** One step's loss and gradients (copies) on the native kernels. */
function step(addon: NativeAddon, threads: number, p: Float32Array[], x: Float32Array, y: Float32Array, ids: Int32Array, rows: number, loss: LossOptions, dropout?: DropoutSpec) {
  const model = new NativeProjector(shape, rows, addon, threads);
  const pred = model.forward(p, x, rows, dropout);
  const dPred = new Float32Array(rows * shape.dOut);
  const value = nativeLoss(addon, pred, y, ids, rows, shape.dOut, loss, dPred, threads);
  return { loss: value, grads: model.backward(p, x, rows, dPred).map((g) => g.slice()) };
}

describe.skipIf(!NATIVE)("native training steps", () => {
  const order = fixtureParams(fx).tensors.map((t) => t.name);
  const x = Float32Array.from(fx.x.data), y = Float32Array.from(fx.y.data), ids = Int32Array.from(fx.ids);
  const rows = fx.x.shape[0] as number;
  const loss: LossOptions = { weights: fx.loss_weights, temperature: fx.temperature, direction: "symmetric" };
  const addon = (): NativeAddon => nativeCompute().native.addon;

  beforeAll(async () => {
    const started = await initBackend("wasm");
    if (!started.ok) throw new Error(started.error.message);
    await registerGradients();
  });

  it("computes torch's loss and gradients, bit-identically on 1 and 2 threads", () => {
    expect(names.sort()).toEqual([...order].sort());
    const [one, two] = [1, 2].map((threads) => step(addon(), threads, params(), x, y, ids, rows, loss)) as [ReturnType<typeof step>, ReturnType<typeof step>];
    expect(one.loss).toBeCloseTo(fx.losses.total, 5);
    order.forEach((name, i) => expect(maxAbsDiff(one.grads[i] as Float32Array, fx.grads[name]!.data), name).toBeLessThan(2e-5));
    expect(two.loss).toBe(one.loss);
    expect(two.grads).toEqual(one.grads);
  });

  it("computes torch's eval-mode forward pass to 1e-5", () => {
    const out = new NativeProjector(shape, 3, addon(), 2).predict(params(), { rows, cols: shape.dIn, data: x });
    expect(maxAbsDiff(out.data, fx.forward.data)).toBeLessThan(1e-5);
  });

  it("clips and takes two steps as torch.optim.AdamW", () => {
    const p = params();
    const opt = new NativeAdamW(p, { weightDecay: fx.weight_decay }, addon(), 2);
    const norms = [0, 1].map(() => opt.update(step(addon(), 2, p, x, y, ids, rows, loss).grads, fx.lr, fx.max_norm));
    expect(norms[0]).toBeCloseTo(fx.grad_norm, 5);
    norms.forEach((n, i) => expect(n).toBeCloseTo(fx.step_norms[i] as number, 4));
    order.forEach((name, i) => expect(maxAbsDiff(p[i] as Float32Array, fx.params_after_2_steps[name]!.data), name).toBeLessThan(1e-5));
  });

  it("draws dropout-mask.ts's masks and matches tfjs's gradients with dropout and a one-way InfoNCE", () => {
    const keep = 0.8, seed = "7/dropout/1/0";
    const mask = new Float32Array(1000);
    const [key0, key1] = dropoutKeys(`${seed}/0`);
    addon().dropoutMask(key0, key1, keep * 4294967296, 1 / keep, mask.length, mask, 2);
    expect(mask).toEqual(dropoutMask(1000, keep, `${seed}/0`));
    const zeros = mask.filter((v) => v === 0).length;
    expect(zeros).toBeGreaterThan(150);
    expect(zeros).toBeLessThan(250);

    const oneWay: LossOptions = { ...loss, direction: "caption_to_image" };
    const dropout = { rate: 1 - keep, seed };
    const native = step(addon(), 2, params(), x, y, ids, rows, oneWay, dropout);
    const p = tfjsProjector(fixtureParams(fx));
    const xt = tf.tensor2d(x, [rows, shape.dIn]), yt = tf.tensor2d(y, [rows, shape.dOut]);
    const { value, grads } = tf.variableGrads(() => projectorLoss(forward(p, xt, dropout), yt, ids, oneWay), [...p.variables]);
    expect(native.loss).toBeCloseTo(value.dataSync()[0] as number, 5);
    p.variables.forEach((v, i) => expect(maxAbsDiff(native.grads[i] as Float32Array, grads[v.name]!.dataSync()), order[i]).toBeLessThan(2e-5));
    tf.dispose([xt, yt, value, ...Object.values(grads)]);
    disposeTfjs(p);
  });
});
