// A stage's compute path, chosen once at its start and reported as its meta: the native kernels, else tfjs.
import { computeMeta, selectCompute, threadCount, type Compute } from "../kernels/compute.js";
import type { RowUpdates } from "../linalg/cholesky.js";
import type { LapackEigen } from "../linalg/eigen-symmetric.js";
import { StageError, choiceParam, reportMeta, type Job } from "./job.js";

/** The compute path; params.backend (auto | tensorflow | wasm | cpu) picks tfjs's backend where the native kernels are missing. */
export async function stageCompute(job: Job, threads = threadCount()): Promise<Compute> {
  const backend = choiceParam(job, "backend", ["auto", "tensorflow", "wasm", "cpu"], "auto");
  const compute = await selectCompute(backend, threads);
  if (!compute.ok) throw new StageError(`stage ${job.stage}: ${compute.error}`);
  reportMeta(computeMeta(compute.value));
  return compute.value;
}

/** The LAPACK eigensolver of the native kernels, where the build linked one. */
export function lapackOf(compute: Compute): LapackEigen | undefined {
  if (compute.kind !== "native" || !compute.native.addon.lapack) return undefined;
  const addon = compute.native.addon;
  return (a, n, values) => addon.eigenSymmetric(a, n, values);
}

/** The native kernels' row updates for triangular solves, where built. */
export function rowUpdatesOf(compute: Compute): RowUpdates | undefined {
  if (compute.kind !== "native") return undefined;
  const addon = compute.native.addon;
  return (x, q, i, rows, factors, count) => addon.rowUpdates(x, q, i, rows, factors, count);
}
