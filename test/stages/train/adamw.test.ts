// AdamW and gradient-norm clipping against torch (finetune.json), and the learning-rate schedule.
import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { AdamW, clipGradNorm } from "../../../stages/lib/train/adamw.js";
import { projectorLoss } from "../../../stages/lib/train/losses.js";
import { learningRate } from "../../../stages/lib/train/lr-schedule.js";
import { disposeTfjs, forward, tfjsProjector } from "../../../stages/lib/model/tfjs-projector.js";
import { initBackend } from "../../../stages/lib/kernels/tf-backend.js";
import { registerGradients } from "../../../stages/lib/kernels/tfjs-gradients.js";
import { fixtureParams, maxAbsDiff, readFixture, toTensor2d } from "../helpers/torch-fixture.js";

const fx = readFixture();

describe("AdamW against torch", () => {
  beforeAll(async () => {
    const started = await initBackend("wasm");
    if (!started.ok) throw new Error(started.error.message);
    await registerGradients();
  });

  it("clips to the global norm and takes two steps as torch.optim.AdamW", () => {
    const p = tfjsProjector(fixtureParams(fx));
    const vars = [...p.variables];
    const opt = new AdamW(vars, { weightDecay: fx.weight_decay });
    const ids = Int32Array.from(fx.ids);
    const x = toTensor2d(fx.x);
    const y = toTensor2d(fx.y);
    const options = { weights: fx.loss_weights, temperature: fx.temperature, direction: "symmetric" as const };
    const norms: number[] = [];
    for (let step = 0; step < 2; step++) {
      const { grads } = tf.variableGrads(() => projectorLoss(forward(p, x), y, ids, options), vars);
      const clipped = clipGradNorm(vars.map((v) => grads[v.name] as tf.Tensor), fx.max_norm);
      norms.push(clipped.norm);
      opt.apply(clipped.grads, fx.lr);
      tf.dispose([...clipped.grads, ...Object.values(grads)]);
    }
    expect(norms[0]).toBeCloseTo(fx.grad_norm, 5);
    norms.forEach((n, i) => expect(n).toBeCloseTo(fx.step_norms[i] as number, 4));
    p.variables.forEach((variable, i) => {
      const name = p.names[i] as string;
      expect(maxAbsDiff(variable.dataSync(), fx.params_after_2_steps[name]!.data), name).toBeLessThan(1e-5);
    });
    opt.dispose();
    disposeTfjs(p);
    tf.dispose([x, y]);
  });

  it("leaves gradients under the limit unscaled", () => {
    const g = [tf.tensor1d([3, 0]), tf.tensor1d([4])];
    const clipped = clipGradNorm(g, 10);
    expect(clipped.norm).toBe(5);
    expect(Array.from(clipped.grads[0]!.dataSync())).toEqual([3, 0]);
    const tight = clipGradNorm(g, 1);
    expect(Array.from(tight.grads[1]!.dataSync())[0]).toBeCloseTo(4 / (5 + 1e-6), 6);
    tf.dispose([...g, ...clipped.grads, ...tight.grads]);
  });
});

describe("learningRate", () => {
  const s = { baseLr: 1, warmupSteps: 4, totalSteps: 14, schedule: "cosine" as const };

  it("warms up linearly, then decays along a cosine to zero", () => {
    expect([0, 1, 2, 3].map((i) => learningRate(i, s))).toEqual([0.25, 0.5, 0.75, 1]);
    expect(learningRate(4, s)).toBe(1);
    expect(learningRate(9, s)).toBeCloseTo(0.5, 12);
    expect(learningRate(13, s)).toBeCloseTo(0.5 * (1 + Math.cos((Math.PI * 9) / 10)), 12);
    expect(learningRate(14, s)).toBeCloseTo(0, 12);
  });

  it("stays at the base rate after warm-up when constant, and needs no warm-up", () => {
    expect(learningRate(10, { ...s, schedule: "constant" })).toBe(1);
    expect(learningRate(0, { ...s, warmupSteps: 0 })).toBe(1);
  });
});
