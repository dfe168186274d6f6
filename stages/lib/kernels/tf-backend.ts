// Chooses the tfjs compute backend: native TensorFlow where it installs, else WebAssembly, else pure JS.
import { createRequire } from "node:module";
import path from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { err, ok, type Result } from "../core/result.js";

/** The backends the projector can run on, fastest first. */
export const BACKENDS = ["tensorflow", "wasm", "cpu"] as const;

/** A tfjs backend name as tfjs registers it. */
export type BackendName = (typeof BACKENDS)[number];

/** The environment variable that forces a backend (wins over the stage param `backend`). */
export const BACKEND_ENV = "DAG_TF_BACKEND";

/** Why a backend could not be used. */
export interface BackendFailure {
  readonly reason: "unknown-backend" | "unavailable";
  readonly message: string;
}

/** Whether a string names a backend. */
export function isBackendName(name: string): name is BackendName {
  return (BACKENDS as readonly string[]).includes(name);
}

/** The folder holding tfjs-backend-wasm's .wasm binaries, with a trailing separator. */
function wasmDir(): string {
  const require = createRequire(import.meta.url);
  // The package's main entry lives in dist/ (dist/tf-backend-wasm.node.js), next to the binaries.
  return path.dirname(require.resolve("@tensorflow/tfjs-backend-wasm")) + path.sep;
}

/** Registers one backend's kernels (importing its package) and makes it current. */
async function activate(name: BackendName): Promise<Result<BackendName, BackendFailure>> {
  try {
    switch (name) {
      case "tensorflow": {
        // Optional dependency that does not install everywhere: a variable specifier keeps
        // TypeScript from requiring its types.
        const specifier = "@tensorflow/tfjs-node";
        await import(specifier);
        break;
      }
      case "wasm": {
        const wasm = await import("@tensorflow/tfjs-backend-wasm");
        // Node has no SharedArrayBuffer workers for tfjs: use the single-threaded SIMD build.
        tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);
        wasm.setWasmPaths(wasmDir());
        break;
      }
      case "cpu":
        await import("@tensorflow/tfjs-backend-cpu");
        break;
    }
    if (!(await tf.setBackend(name))) return err({ reason: "unavailable", message: `tfjs backend ${name} failed to initialise` });
    await tf.ready();
    return ok(name);
  } catch (error) {
    return err({ reason: "unavailable", message: `tfjs backend ${name} is not available: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}` });
  }
}

/**
 * Makes a tfjs backend current and returns its name. `forced` (usually the stage param `backend`)
 * or the DAG_TF_BACKEND variable (which wins) pins one, and failing to start it is an error;
 * otherwise the first of BACKENDS that starts is used.
 */
export async function initBackend(forced?: string): Promise<Result<BackendName, BackendFailure>> {
  // Production mode: no debug checks, no "install tfjs-node" banner on stderr.
  tf.env().set("PROD", true);
  const wanted = process.env[BACKEND_ENV] || forced;
  if (wanted !== undefined && wanted !== "" && wanted !== "auto") {
    if (!isBackendName(wanted)) {
      return err({ reason: "unknown-backend", message: `unknown tfjs backend "${wanted}" (choose one of ${BACKENDS.join(" | ")} or auto)` });
    }
    return activate(wanted);
  }
  const failures: string[] = [];
  for (const name of BACKENDS) {
    const started = await activate(name);
    if (started.ok) return started;
    failures.push(started.error.message);
  }
  return err({ reason: "unavailable", message: `no tfjs backend could start: ${failures.join("; ")}` });
}
