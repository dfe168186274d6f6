// Backend choice: forced names, the environment override, the fallback order.
import { createRequire } from "node:module";
import * as tf from "@tensorflow/tfjs-core";
import { afterEach, describe, expect, it } from "vitest";
import { BACKEND_ENV, initBackend } from "../../../stages/lib/kernels/tf-backend.js";

const nodeBackendInstalled = (() => {
  try {
    createRequire(import.meta.url).resolve("@tensorflow/tfjs-node");
    return true;
  } catch {
    return false;
  }
})();

describe("initBackend", () => {
  afterEach(() => {
    delete process.env[BACKEND_ENV];
  });

  it("starts a forced backend and makes it current", async () => {
    expect(await initBackend("cpu")).toEqual({ ok: true, value: "cpu" });
    expect(tf.getBackend()).toBe("cpu");
    expect(await initBackend("wasm")).toEqual({ ok: true, value: "wasm" });
    expect(tf.getBackend()).toBe("wasm");
  });

  it("lets DAG_TF_BACKEND win over the param", async () => {
    process.env[BACKEND_ENV] = "cpu";
    expect(await initBackend("wasm")).toEqual({ ok: true, value: "cpu" });
  });

  it("rejects an unknown name, listing the choices", async () => {
    expect(await initBackend("gpu")).toEqual({
      ok: false,
      error: { reason: "unknown-backend", message: 'unknown tfjs backend "gpu" (choose one of tensorflow | wasm | cpu or auto)' },
    });
  });

  it("takes the native backend only where tfjs-node is installed, else falls back to wasm", async () => {
    const forced = await initBackend("tensorflow");
    expect(forced.ok).toBe(nodeBackendInstalled);
    if (!forced.ok) expect(forced.error.message).toMatch(/^tfjs backend tensorflow is not available: /);
    expect(await initBackend("auto")).toEqual({ ok: true, value: nodeBackendInstalled ? "tensorflow" : "wasm" });
  });
});
