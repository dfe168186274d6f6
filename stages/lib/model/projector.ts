// The text→image projector's parameters: its shape, its start at the ridge map, and the weights.npz format.
//
// Architecture (the reference's `Net`, python_pipeline.py):
//   y0 = base(x) = x·W + b                       (W d_in×d_out, initialised from ridge)
//   y  = y0 + res(y0)                            (resmlp; affine stops at y0)
//   res = block_0 ∘ block_1 ∘ … ∘ block_{depth−1}, applied one after the other (one nn.Sequential)
//   block = LayerNorm(d_out, eps 1e-5) → Linear(d_out→hidden) → GELU (erf form) → Dropout → Linear(hidden→d_out)
// The forward pass is written once per path: tfjs-projector.ts (tfjs ops, differentiated by tfjs)
// and native-projector.ts (the native kernels, forward and backward).
// The last Linear of the last block starts at zero (weight and bias), so an untrained projector
// is exactly the ridge map. Other Linear layers start as torch's default: weight and bias
// U(−1/√fan_in, 1/√fan_in), drawn from the seeded Prng (one stream per tensor).
//
// Saved format (weights.npz): one float32 .npy per tensor, in this order, named
//   base/weight        d_in×d_out   (x·W: torch's weight transposed)
//   base/bias          d_out
//   res/K/ln/gamma     d_out        LayerNorm scale of block K (0-based)
//   res/K/ln/beta      d_out        LayerNorm shift
//   res/K/fc1/weight   d_out×hidden
//   res/K/fc1/bias     hidden
//   res/K/fc2/weight   hidden×d_out
//   res/K/fc2/bias     d_out
// The head and the widths are read back from the names and shapes alone (no res/ = affine).
import type { Matrix } from "../core/matrix.js";
import { Prng } from "../core/prng.js";
import { err, ok, type Result } from "../core/result.js";

/** Which projector: the ridge map alone, or ridge plus residual MLP blocks. */
export type Head = "affine" | "resmlp";

/** Widths of a projector; depth 0 is the affine head. */
export interface ProjectorShape {
  readonly dIn: number;
  readonly dOut: number;
  /** Width of the residual blocks' hidden layer (0 when depth is 0). */
  readonly hidden: number;
  /** Number of residual blocks. */
  readonly depth: number;
}

/** One named parameter as plain data, the unit of weights.npz. */
export interface NamedTensor {
  readonly name: string;
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/** A projector's parameters, in the saved order (parameterShapes). */
export interface ProjectorParams {
  readonly shape: ProjectorShape;
  readonly tensors: readonly NamedTensor[];
}

/** LayerNorm epsilon (torch's default). */
export const LAYER_NORM_EPS = 1e-5;

/** Every parameter's name and shape, in the saved order of the file header. */
export function parameterShapes(s: ProjectorShape): [string, number[]][] {
  const out: [string, number[]][] = [["base/weight", [s.dIn, s.dOut]], ["base/bias", [s.dOut]]];
  for (let k = 0; k < s.depth; k++) {
    out.push([`res/${k}/ln/gamma`, [s.dOut]], [`res/${k}/ln/beta`, [s.dOut]]);
    out.push([`res/${k}/fc1/weight`, [s.dOut, s.hidden]], [`res/${k}/fc1/bias`, [s.hidden]]);
    out.push([`res/${k}/fc2/weight`, [s.hidden, s.dOut]], [`res/${k}/fc2/bias`, [s.dOut]]);
  }
  return out;
}

/** What createProjector needs: the head, its widths, the ridge solution and a seed for the rest. */
export interface ProjectorInit {
  readonly head: Head;
  readonly hidden: number;
  readonly depth: number;
  /** Ridge weights, d_in×d_out (x·W). */
  readonly W: Matrix;
  /** Ridge intercept, d_out (zeros when fitted without one). */
  readonly bias: Float32Array;
  /** Seed of the residual blocks' initial weights. */
  readonly seed: number;
}

/** torch's default Linear init, U(−1/√fan_in, 1/√fan_in), from the stream `name` of the seed. */
function uniformInit(size: number, fanIn: number, seed: number, name: string): Float32Array {
  const bound = 1 / Math.sqrt(fanIn);
  const prng = new Prng(seed, `projector/${name}`);
  const data = new Float32Array(size);
  for (let i = 0; i < data.length; i++) data[i] = (2 * prng.uniform() - 1) * bound;
  return data;
}

/** A projector starting at the ridge map (the residual blocks' output is zero). */
export function createProjector(init: ProjectorInit): ProjectorParams {
  const { W, bias } = init;
  if (bias.length !== W.cols) throw new Error(`ridge bias has ${bias.length} values, W has ${W.cols} columns`);
  const depth = init.head === "affine" ? 0 : init.depth;
  const shape: ProjectorShape = { dIn: W.rows, dOut: W.cols, hidden: depth === 0 ? 0 : init.hidden, depth };
  const lastFc2 = new Set([`res/${depth - 1}/fc2/weight`, `res/${depth - 1}/fc2/bias`]);
  const tensors = parameterShapes(shape).map(([name, dims]): NamedTensor => {
    const size = dims.reduce((a, b) => a * b, 1);
    let data: Float32Array;
    if (name === "base/weight") data = Float32Array.from(W.data);
    else if (name === "base/bias") data = Float32Array.from(bias);
    else if (name.endsWith("/ln/gamma")) data = new Float32Array(size).fill(1);
    else if (name.endsWith("/ln/beta") || lastFc2.has(name)) data = new Float32Array(size);
    else data = uniformInit(size, name.includes("/fc1/") ? shape.dOut : shape.hidden, init.seed, name);
    return { name, shape: dims, data };
  });
  return { shape, tensors };
}

/** Why saved tensors do not make a projector. */
export interface ProjectorFormatError {
  readonly reason: "missing-tensor" | "wrong-shape" | "unexpected-tensor";
  readonly message: string;
}

/** Rebuilds a projector from saved tensors (see the format in the file header), in the saved order. */
export function projectorFromTensors(tensors: readonly NamedTensor[]): Result<ProjectorParams, ProjectorFormatError> {
  const byName = new Map(tensors.map((t) => [t.name, t]));
  const W = byName.get("base/weight");
  if (W === undefined || W.shape.length !== 2) return err({ reason: "missing-tensor", message: "weights have no 2-D base/weight" });
  const [dIn, dOut] = W.shape as [number, number];
  let depth = 0;
  while (byName.has(`res/${depth}/fc1/weight`)) depth++;
  const hidden = depth === 0 ? 0 : ((byName.get("res/0/fc1/weight") as NamedTensor).shape[1] ?? 0);
  const shape: ProjectorShape = { dIn, dOut, hidden, depth };
  const expected = parameterShapes(shape);
  const ordered: NamedTensor[] = [];
  for (const [name, want] of expected) {
    const t = byName.get(name);
    if (t === undefined) return err({ reason: "missing-tensor", message: `weights have no ${name}` });
    if (t.shape.length !== want.length || t.shape.some((d, i) => d !== want[i]) || t.data.length !== want.reduce((a, b) => a * b, 1)) {
      return err({ reason: "wrong-shape", message: `weights ${name} has shape (${t.shape.join(", ")}), expected (${want.join(", ")})` });
    }
    ordered.push(t);
  }
  const names = new Set(expected.map(([name]) => name));
  for (const name of byName.keys()) {
    if (!names.has(name)) return err({ reason: "unexpected-tensor", message: `weights hold an unknown tensor ${name}` });
  }
  return ok({ shape, tensors: ordered });
}

/** A deep copy of parameters (e.g. the best epoch's). */
export function copyTensors(tensors: readonly NamedTensor[]): NamedTensor[] {
  return tensors.map((t) => ({ name: t.name, shape: [...t.shape], data: Float32Array.from(t.data) }));
}

/**
 * Floating-point operations of the matrix products in one training step of `rows` rows (forward
 * and backward; the base layer's input gradient is never formed).
 */
export function trainStepFlops(s: ProjectorShape, rows: number): number {
  const base = 2 * rows * s.dIn * s.dOut;
  const block = 2 * (2 * rows * s.dOut * s.hidden);
  return 2 * base + 3 * s.depth * block;
}
