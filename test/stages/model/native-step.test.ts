// Native training steps (native-step.ts, native-adamw.ts) against torch (finetune.json), and against the tfjs custom ops with dropout, on 1 and 2 threads.
import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import type { LossOptions } from "../../../stages/lib/train/losses.js";
import { projectorLoss } from "../../../stages/lib/train/losses.js";
import { NativeAdamW } from "../../../stages/lib/train/native-adamw.js";
import { NativeGemm } from "../../../stages/lib/kernels/native-gemm.js";
import { NativeStep } from "../../../stages/lib/model/native-step.js";
import { disposeProjector, dropoutKeys, dropoutMask, forward, namedVariables, projectorFromTensors, type Projector } from "../../../stages/lib/model/projector.js";
import { initBackend } from "../../../stages/lib/kernels/tf-backend.js";
import { maxAbsDiff, namedTensors, readFixture } from "../helpers/torch-fixture.js";

const fx = readFixture();
const shape = { dIn: fx.config.d_in, dOut: fx.config.d_out, hidden: fx.config.hidden, depth: fx.config.depth };
const names = Object.keys(fx.params);

function gemm(threads: number): NativeGemm {
  const g = NativeGemm.create(threads);
  if (g === undefined) throw new Error("the native kernels are not built (npm install builds them; DAG_NATIVE=0 turns them off)");
  return g;
}

/** The fixture's projector (tfjs variables). */
function fixtureProjector(): Projector {
  const p = projectorFromTensors(namedTensors(fx.params));
  if (!p.ok) throw new Error(p.error.message);
  return p.value;
}

/** The fixture's parameters in namedVariables order, as float32 arrays. */
function fixtureParams(): Float32Array[] {
  const p = fixtureProjector();
  const out = namedVariables(p).map(({ variable }) => Float32Array.from(variable.dataSync() as Float32Array));
  disposeProjector(p);
  return out;
}

/** Parameter names in namedVariables order. */
let order: string[] = [];

describe.skipIf(process.env["DAG_NATIVE"] === "0")("NativeStep and NativeAdamW", () => {
  beforeAll(async () => {
    const started = await initBackend("wasm");
    if (!started.ok) throw new Error(started.error.message);
    const p = fixtureProjector();
    order = namedVariables(p).map((n) => n.name);
    disposeProjector(p);
  });

  const x = Float32Array.from(fx.x.data), y = Float32Array.from(fx.y.data), ids = Int32Array.from(fx.ids);
  const rows = fx.x.shape[0] as number;
  const loss: LossOptions = { weights: fx.loss_weights, temperature: fx.temperature, direction: "symmetric" };

  it("computes torch's loss and gradients, bit-identically on 1 and 2 threads", () => {
    expect(names.sort()).toEqual([...order].sort());
    const results = [1, 2].map((threads) => {
      const r = new NativeStep(shape, rows, gemm(threads)).run(fixtureParams(), x, y, ids, rows, loss, undefined);
      return { loss: r.loss, grads: r.grads.map((g) => g.slice()) };
    });
    const [one, two] = results as [(typeof results)[0], (typeof results)[0]];
    expect(one.loss).toBeCloseTo(fx.losses.total, 5);
    order.forEach((name, i) => expect(maxAbsDiff(one.grads[i] as Float32Array, fx.grads[name]!.data), name).toBeLessThan(2e-5));
    expect(two.loss).toBe(one.loss);
    expect(two.grads).toEqual(one.grads);
  });

  it("clips and takes two steps as torch.optim.AdamW", () => {
    const params = fixtureParams();
    const step = new NativeStep(shape, rows, gemm(2));
    const opt = new NativeAdamW(params, { weightDecay: fx.weight_decay }, gemm(2).kernels, 2);
    const norms = [0, 1].map(() => opt.update(step.run(params, x, y, ids, rows, loss, undefined).grads, fx.lr, fx.max_norm));
    expect(norms[0]).toBeCloseTo(fx.grad_norm, 5);
    norms.forEach((n, i) => expect(n).toBeCloseTo(fx.step_norms[i] as number, 4));
    order.forEach((name, i) => expect(maxAbsDiff(params[i] as Float32Array, fx.params_after_2_steps[name]!.data), name).toBeLessThan(1e-5));
  });

  it("draws projector.ts's dropout masks and matches the tfjs custom ops with dropout and a one-way InfoNCE", () => {
    const keep = 0.8, seed = "7/dropout/1/0";
    const mask = new Float32Array(1000);
    const [key0, key1] = dropoutKeys(`${seed}/0`);
    gemm(2).kernels.dropoutMask(key0, key1, keep * 4294967296, 1 / keep, mask.length, mask, 2);
    expect(mask).toEqual(dropoutMask(1000, keep, `${seed}/0`));
    const zeros = mask.filter((v) => v === 0).length;
    expect(zeros).toBeGreaterThan(150);
    expect(zeros).toBeLessThan(250);

    const oneWay: LossOptions = { ...loss, direction: "caption_to_image" };
    const dropout = { rate: 1 - keep, seed };
    const native = new NativeStep(shape, rows, gemm(2)).run(fixtureParams(), x, y, ids, rows, oneWay, dropout);
    const p = fixtureProjector();
    const vars = namedVariables(p).map((n) => n.variable);
    const xt = tf.tensor2d(x, [rows, shape.dIn]), yt = tf.tensor2d(y, [rows, shape.dOut]);
    const { value, grads } = tf.variableGrads(() => projectorLoss(forward(p, xt, dropout), yt, ids, oneWay), vars);
    expect(native.loss).toBeCloseTo(value.dataSync()[0] as number, 5);
    vars.forEach((v, i) => expect(maxAbsDiff(native.grads[i] as Float32Array, grads[v.name]!.dataSync()), order[i]).toBeLessThan(2e-5));
    tf.dispose([xt, yt, value, ...Object.values(grads)]);
    disposeProjector(p);
  });
});
