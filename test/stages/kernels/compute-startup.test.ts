// A stage on the native kernels never loads tfjs (its import cost a fifth of a second per stage); without them it does.
import { execFileSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadNative } from "../../../stages/lib/kernels/native-addon.js";

const ROOT = path.resolve(import.meta.dirname, "../../..");

/** In a fresh process: the compute path selectCompute picks, and how many tfjs modules were loaded by then. */
function pickIn(env: Record<string, string>): { kind: string; tfjsModules: number } {
  const script = `
    import { createRequire } from "node:module";
    const { selectCompute } = await import("./stages/lib/kernels/compute.ts");
    const picked = await selectCompute();
    const loaded = Object.keys(createRequire(import.meta.url).cache).filter((k) => k.includes("@tensorflow"));
    console.log(JSON.stringify({ kind: picked.ok ? picked.value.kind : picked.error, tfjsModules: loaded.length }));`;
  const out = execFileSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { cwd: ROOT, env: { ...process.env, ...env }, encoding: "utf8" });
  return JSON.parse(out.trim().split("\n").pop() ?? "{}") as { kind: string; tfjsModules: number };
}

describe("selectCompute", () => {
  it.skipIf(!loadNative().ok)("on the native kernels loads no tfjs module", () => {
    expect(pickIn({ DAG_NATIVE: "1" })).toEqual({ kind: "native", tfjsModules: 0 });
  });

  it("without them loads tfjs and runs on it", () => {
    const picked = pickIn({ DAG_NATIVE: "0", DAG_TF_BACKEND: "cpu" });
    expect(picked.kind).toBe("tfjs");
    expect(picked.tfjsModules).toBeGreaterThan(0);
  });
});
