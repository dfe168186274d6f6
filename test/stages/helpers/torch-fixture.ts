// Reads finetune.json, the torch-written fixture of the projector tests (see make_finetune.py).
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as tf from "@tensorflow/tfjs-core";
import { projectorFromTensors, type NamedTensor, type ProjectorParams } from "../../../stages/lib/model/projector.js";

/** The folder holding the finetune fixtures and make_finetune.py. */
export const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../fixtures/finetune");

/** A tensor as make_finetune.py writes it. */
export interface JsonTensor {
  readonly shape: number[];
  readonly data: number[];
}

/** finetune.json. */
export interface Fixture {
  readonly config: { d_in: number; d_out: number; hidden: number; depth: number };
  readonly loss_weights: { mse: number; cosine: number; infonce: number };
  readonly temperature: number;
  readonly lr: number;
  readonly weight_decay: number;
  readonly max_norm: number;
  readonly x: JsonTensor;
  readonly y: JsonTensor;
  readonly ids: number[];
  readonly params: Record<string, JsonTensor>;
  readonly forward: JsonTensor;
  readonly losses: { mse: number; cosine: number; infonce: number; infonce_c2i: number; total: number };
  readonly grads: Record<string, JsonTensor>;
  readonly grad_norm: number;
  readonly step_norms: number[];
  readonly params_after_2_steps: Record<string, JsonTensor>;
}

export function readFixture(): Fixture {
  return JSON.parse(readFileSync(path.join(FIXTURES, "finetune.json"), "utf8")) as Fixture;
}

/** The fixture's parameters as named tensors (the weights.npz layout). */
export function namedTensors(params: Record<string, JsonTensor>): NamedTensor[] {
  return Object.entries(params).map(([name, t]) => ({ name, shape: t.shape, data: Float32Array.from(t.data) }));
}

export function toTensor2d(t: JsonTensor): tf.Tensor2D {
  return tf.tensor2d(Float32Array.from(t.data), t.shape as [number, number]);
}

/** The largest |a − b| over two equally long arrays; Infinity when the lengths differ. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}

/** The fixture's projector parameters (make_finetune.py's torch model), in the saved order. */
export function fixtureParams(fx: Fixture): ProjectorParams {
  const made = projectorFromTensors(namedTensors(fx.params));
  if (!made.ok) throw new Error(made.error.message);
  return made.value;
}
