// Runs batches of GEMM kernel calls on the calling thread plus worker threads that share the
// kernels' WebAssembly memory, so one product uses every core.
//
// Each worker instantiates the same module over the same shared memory and sleeps on a control
// block (a SharedArrayBuffer): the caller writes the worker's share of the calls there, bumps a
// sequence number and notifies; the worker runs them and reports the sequence number back. The
// caller runs its own share meanwhile, then waits (Atomics.wait is allowed on Node's main
// thread). Calls within one batch must write disjoint outputs. DAG_THREADS caps the thread count.
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";

/** One kernel call: which kernel (index into KERNELS), its eight i32 arguments, and a cost estimate. */
export interface KernelCall {
  readonly kernel: number;
  readonly args: readonly [number, number, number, number, number, number, number, number];
  readonly cost: number;
}

/** The kernels a pool can run, by index in KernelCall.kernel (export names of the module). */
export const KERNELS = ["scores32", "accumulate64", "rotations64", "reflectRows64"] as const;

const SEQ = 0, DONE = 1, COUNT = 2, FAILED = 3, HEADER = 4, SLOT = 9;
/** Calls one control block holds; larger batches go in rounds. */
const CAPACITY = 2048;

const WORKER_SOURCE = `
const { workerData } = require("node:worker_threads");
const { module, memory, control, names } = workerData;
const exports = new WebAssembly.Instance(module, { env: { memory } }).exports;
const kernels = names.map((name) => exports[name]);
const c = new Int32Array(control);
let seen = 0;
for (;;) {
  Atomics.wait(c, ${SEQ}, seen);
  seen = Atomics.load(c, ${SEQ});
  try {
    const count = c[${COUNT}];
    for (let t = 0; t < count; t++) {
      const o = ${HEADER} + t * ${SLOT};
      kernels[c[o]](c[o + 1], c[o + 2], c[o + 3], c[o + 4], c[o + 5], c[o + 6], c[o + 7], c[o + 8]);
    }
  } catch (error) {
    Atomics.store(c, ${FAILED}, 1);
  }
  Atomics.store(c, ${DONE}, seen);
  Atomics.notify(c, ${DONE});
}
`;

/** The number of threads to use: DAG_THREADS when set to a positive integer, else the core count. */
export function threadCount(): number {
  const forced = Number(process.env["DAG_THREADS"]);
  return Number.isInteger(forced) && forced > 0 ? forced : Math.max(1, availableParallelism());
}

interface PoolWorker {
  readonly worker: Worker;
  readonly control: Int32Array;
}

/** Worker threads over one module and shared memory, started on first use. */
export class KernelPool {
  private workers: PoolWorker[] | undefined;

  constructor(
    private readonly module: object,
    private readonly memory: object,
    /** Threads a batch is spread over, the calling one included. */
    readonly threads: number,
  ) {}

  /** Runs the calls, `local` running the calling thread's share; returns when all are done. */
  run(calls: readonly KernelCall[], local: (call: KernelCall) => void): void {
    if (this.threads <= 1 || calls.length < 2) {
      for (const call of calls) local(call);
      return;
    }
    const workers = this.start();
    for (let start = 0; start < calls.length; start += CAPACITY * this.threads) {
      this.round(workers, calls.slice(start, start + CAPACITY * this.threads), local);
    }
  }

  private round(workers: PoolWorker[], calls: readonly KernelCall[], local: (call: KernelCall) => void): void {
    const shares: KernelCall[][] = Array.from({ length: workers.length + 1 }, () => []);
    const load = new Float64Array(workers.length + 1);
    for (const call of calls) {
      let best = 0;
      for (let t = 1; t < load.length; t++) if ((load[t] as number) < (load[best] as number) && (shares[t] as KernelCall[]).length < CAPACITY) best = t;
      (shares[best] as KernelCall[]).push(call);
      load[best] = (load[best] as number) + call.cost;
    }
    const waiting: { control: Int32Array; seq: number }[] = [];
    workers.forEach(({ control }, w) => {
      const share = shares[w + 1] as KernelCall[];
      if (share.length === 0) return;
      share.forEach((call, t) => {
        const o = HEADER + t * SLOT;
        control[o] = call.kernel;
        control.set(call.args, o + 1);
      });
      control[COUNT] = share.length;
      const seq = (control[SEQ] as number) + 1;
      Atomics.store(control, SEQ, seq);
      Atomics.notify(control, SEQ);
      waiting.push({ control, seq });
    });
    for (const call of shares[0] as KernelCall[]) local(call);
    for (const { control, seq } of waiting) {
      for (let done = Atomics.load(control, DONE); done !== seq; done = Atomics.load(control, DONE)) Atomics.wait(control, DONE, done);
      if (Atomics.exchange(control, FAILED, 0) !== 0) throw new Error("a kernel worker failed (out-of-bounds memory access in a SIMD kernel)");
    }
  }

  private start(): PoolWorker[] {
    if (this.workers !== undefined) return this.workers;
    this.workers = Array.from({ length: this.threads - 1 }, () => {
      const control = new Int32Array(new SharedArrayBuffer((HEADER + CAPACITY * SLOT) * 4));
      const worker = new Worker(WORKER_SOURCE, { eval: true, execArgv: [], workerData: { module: this.module, memory: this.memory, control: control.buffer, names: KERNELS } });
      worker.unref();
      return { worker, control };
    });
    return this.workers;
  }
}
