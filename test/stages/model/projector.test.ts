// The projector's parameters, and its tfjs forward pass, losses and tfjs's gradients against torch (finetune.json from make_finetune.py).
import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { cosineLoss, infoNceLoss, mseLoss, projectorLoss } from "../../../stages/lib/train/losses.js";
import { createProjector, projectorFromTensors } from "../../../stages/lib/model/projector.js";
import { assignTfjs, disposeTfjs, forward, predict, tfjsProjector, tfjsTensors, type TfjsProjector } from "../../../stages/lib/model/tfjs-projector.js";
import { initBackend } from "../../../stages/lib/kernels/tf-backend.js";
import { registerGradients } from "../../../stages/lib/kernels/tfjs-gradients.js";
import { fixtureParams, maxAbsDiff, namedTensors, readFixture, toTensor2d } from "../helpers/torch-fixture.js";

const fx = readFixture();

function fixtureProjector(): TfjsProjector {
  return tfjsProjector(fixtureParams(fx));
}

for (const backend of ["wasm", "cpu"] as const) {
  describe(`projector on ${backend}`, () => {
    beforeAll(async () => {
      const started = await initBackend(backend);
      if (!started.ok) throw new Error(started.error.message);
      await registerGradients();
    });

    it("reads the shape back from the tensor names", () => {
      const p = fixtureProjector();
      expect(p.shape).toEqual({ dIn: 8, dOut: 12, hidden: 16, depth: 2 });
      disposeTfjs(p);
    });

    it("computes torch's eval-mode forward pass to 1e-5", () => {
      const p = fixtureProjector();
      const x = fx.x;
      const out = predict(p, { rows: x.shape[0] as number, cols: x.shape[1] as number, data: Float32Array.from(x.data) });
      expect(maxAbsDiff(out.data, fx.forward.data)).toBeLessThan(1e-5);
      disposeTfjs(p);
    });

    it("computes torch's losses", () => {
      const p = fixtureProjector();
      const ids = Int32Array.from(fx.ids);
      const values = tf.tidy(() => {
        const yh = forward(p, toTensor2d(fx.x));
        const y = toTensor2d(fx.y);
        const opts = { weights: fx.loss_weights, temperature: fx.temperature, direction: "symmetric" as const };
        return [
          mseLoss(yh, y), cosineLoss(yh, y), infoNceLoss(yh, y, ids, fx.temperature, "symmetric"),
          infoNceLoss(yh, y, ids, fx.temperature, "caption_to_image"), projectorLoss(yh, y, ids, opts),
        ].map((t) => t.dataSync()[0] as number);
      });
      const want = [fx.losses.mse, fx.losses.cosine, fx.losses.infonce, fx.losses.infonce_c2i, fx.losses.total];
      values.forEach((v, i) => expect(v).toBeCloseTo(want[i] as number, 5));
      disposeTfjs(p);
    });

    it("computes torch's gradients of the weighted loss", () => {
      const p = fixtureProjector();
      const ids = Int32Array.from(fx.ids);
      const named = p.variables.map((variable, i) => ({ name: p.names[i] as string, variable }));
      const { grads } = tf.variableGrads(() => {
        const opts = { weights: fx.loss_weights, temperature: fx.temperature, direction: "symmetric" as const };
        return projectorLoss(forward(p, toTensor2d(fx.x)), toTensor2d(fx.y), ids, opts);
      }, [...p.variables]);
      for (const { name, variable } of named) {
        const g = grads[variable.name] as tf.Tensor;
        const want = fx.grads[name]!;
        expect(g.shape, name).toEqual(want.shape);
        expect(maxAbsDiff(g.dataSync(), want.data), name).toBeLessThan(2e-5);
      }
      tf.dispose(grads);
      disposeTfjs(p);
    });
  });
}

describe("createProjector", () => {
  beforeAll(async () => {
    const started = await initBackend("wasm");
    if (!started.ok) throw new Error(started.error.message);
  });

  const W = { rows: 3, cols: 4, data: Float32Array.from({ length: 12 }, (_, i) => (i - 5) / 7) };
  const bias = Float32Array.from([0.1, -0.2, 0.3, 0]);
  const x = { rows: 5, cols: 3, data: Float32Array.from({ length: 15 }, (_, i) => Math.sin(i)) };

  it("starts at the ridge map x·W + b for both heads", () => {
    const ridge = new Float32Array(5 * 4);
    for (let i = 0; i < 5; i++) for (let j = 0; j < 4; j++) {
      let s = bias[j] as number;
      for (let k = 0; k < 3; k++) s += (x.data[i * 3 + k] as number) * (W.data[k * 4 + j] as number);
      ridge[i * 4 + j] = s;
    }
    for (const head of ["affine", "resmlp"] as const) {
      const params = createProjector({ head, hidden: 6, depth: 2, W, bias, seed: 1 });
      expect(params.shape.depth).toBe(head === "affine" ? 0 : 2);
      const p = tfjsProjector(params);
      expect(maxAbsDiff(predict(p, x).data, ridge)).toBeLessThan(1e-6);
      disposeTfjs(p);
    }
  });

  it("draws torch's default init bounds from the seed, reproducibly", () => {
    const ta = createProjector({ head: "resmlp", hidden: 6, depth: 2, W, bias, seed: 1 }).tensors;
    const tb = createProjector({ head: "resmlp", hidden: 6, depth: 2, W, bias, seed: 1 }).tensors;
    const c = tfjsProjector(createProjector({ head: "resmlp", hidden: 6, depth: 2, W, bias, seed: 2 }));
    const tc = tfjsTensors(c);
    const fc1 = ta.find((t) => t.name === "res/0/fc1/weight")!;
    expect(Math.max(...fc1.data.map(Math.abs))).toBeLessThanOrEqual(1 / Math.sqrt(4));
    expect(new Set(fc1.data).size).toBe(fc1.data.length);
    const fc2 = ta.find((t) => t.name === "res/0/fc2/weight")!;
    expect(Math.max(...fc2.data.map(Math.abs))).toBeLessThanOrEqual(1 / Math.sqrt(6));
    expect(fc2.data.some((v) => v !== 0)).toBe(true);
    expect(ta.find((t) => t.name === "res/1/fc2/weight")!.data.every((v) => v === 0)).toBe(true);
    expect(ta).toEqual(tb);
    expect(ta.find((t) => t.name === "res/0/fc1/weight")).not.toEqual(tc.find((t) => t.name === "res/0/fc1/weight"));
    assignTfjs(c, ta);
    expect(tfjsTensors(c)).toEqual(ta);
    disposeTfjs(c);
  });

  it("rejects saved tensors of the wrong shape", () => {
    const tensors = namedTensors(fx.params).map((t) => (t.name === "res/1/fc2/bias" ? { ...t, shape: [11], data: t.data.subarray(0, 11) } : t));
    const made = projectorFromTensors(tensors);
    expect(made.ok).toBe(false);
    if (!made.ok) expect(made.error.message).toBe("weights res/1/fc2/bias has shape (11), expected (12)");
  });
});
