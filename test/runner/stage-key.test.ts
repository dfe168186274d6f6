// Unit tests of the cache key: canonical (order- and notation-free) and covering only what it should.
import { mkdtempSync, writeFileSync, mkdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { ContentHash } from "../../cache/digest.js";
import { loadPipeline } from "../../runner/config/load-pipeline.js";
import { makeKeyInputs, stageKey } from "../../runner/stage-key.js";
import { staleReasons } from "../../runner/stale-reasons.js";

const code = { files: { "stages/r.ts": "sha256:aa" as ContentHash }, packages: { yaml: "2.9.1" } };
const input = { x: { ref: "load:x.npy", hash: "sha256:bb" as ContentHash } };

function key(params: Record<string, unknown>, extra: Partial<Parameters<typeof makeKeyInputs>[0]> = {}): string {
  return stageKey(makeKeyInputs({ stage: "ridge", module: "stages/r.ts", params, seed: 1, code, inputs: input, outs: ["W.npy"], ...extra }));
}

/** Loads a pipeline text in a temp project with empty stage modules and returns the params of each stage. */
async function load(yaml: string): Promise<Map<string, Record<string, unknown>>> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "dag-key-"));
  mkdirSync(path.join(dir, "stages"));
  for (const m of ["a", "b"]) writeFileSync(path.join(dir, `stages/${m}.ts`), "");
  writeFileSync(path.join(dir, "pipeline.yaml"), yaml);
  const loaded = await loadPipeline(path.join(dir, "pipeline.yaml"), dir);
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.error));
  return new Map([...loaded.value.stages].map(([n, s]) => [n, { ...s.params }]));
}

describe("stage key", () => {
  it("is the same for reordered YAML keys and for 0.030 vs 3e-2", async () => {
    const one = await load(`stages:
  a:
    module: stages/a.ts
    params: { alpha: 0.030, loss: { mse: 0.5, cosine: 0.5 } }
    outs: [o]
`);
    const two = await load(`stages:
  a:
    outs: [o]
    params:
      loss:
        cosine: 0.5
        mse: 5e-1
      alpha: 3e-2
    module: stages/a.ts
`);
    expect(key(one.get("a") ?? {})).toBe(key(two.get("a") ?? {}));
  });

  it("ignores another stage's params", async () => {
    const one = await load(`stages:
  a: { module: stages/a.ts, params: { alpha: 1 }, outs: [o] }
  b: { module: stages/b.ts, params: { beta: 1 }, outs: [o] }
`);
    const two = await load(`stages:
  a: { module: stages/a.ts, params: { alpha: 1 }, outs: [o] }
  b: { module: stages/b.ts, params: { beta: 2 }, outs: [o] }
`);
    expect(key(one.get("a") ?? {})).toBe(key(two.get("a") ?? {}));
    expect(key(one.get("b") ?? {})).not.toBe(key(two.get("b") ?? {}));
  });

  it("changes with params, seed, code, package versions, input content and declared outputs", () => {
    const base = key({ alpha: 1 });
    expect(key({ alpha: 2 })).not.toBe(base);
    expect(key({ alpha: 1 }, { seed: 2 })).not.toBe(base);
    expect(key({ alpha: 1 }, { code: { ...code, files: { "stages/r.ts": "sha256:ab" as ContentHash } } })).not.toBe(base);
    expect(key({ alpha: 1 }, { code: { ...code, packages: { yaml: "2.9.2" } } })).not.toBe(base);
    expect(key({ alpha: 1 }, { inputs: { x: { ref: "load:x.npy", hash: "sha256:bc" as ContentHash } } })).not.toBe(base);
    expect(key({ alpha: 1 }, { outs: ["W.npy", "b.npy"] })).not.toBe(base);
    expect(key({ alpha: 1 }, { outs: ["W.npy"] })).toBe(base);
  });

  it("explains a change part by part, in words", () => {
    const before = makeKeyInputs({ stage: "ridge", module: "stages/r.ts", params: { alpha: 0.03, loss: { mse: 0.5 } }, seed: 1, code, inputs: input, outs: ["W.npy"] });
    const after = makeKeyInputs({
      stage: "ridge",
      module: "stages/r.ts",
      params: { alpha: 0.1, loss: { mse: 0.5 } },
      seed: 1,
      code: { files: { "stages/r.ts": "sha256:ff" as ContentHash }, packages: { yaml: "2.9.1" } },
      inputs: { x: { ref: "load:x.npy", hash: "sha256:cc" as ContentHash } },
      outs: ["W.npy"],
    });
    expect(staleReasons(before, after)).toEqual(["params.alpha 0.03 → 0.1", "input load:x.npy changed", "code of stages/r.ts changed"]);
  });

  it("changes with the runtime and with declared environment values, unset told apart from empty", () => {
    const base = key({ alpha: 1 });
    expect(key({ alpha: 1 }, { runtime: { node: "22", platform: process.platform, arch: process.arch } })).not.toBe(base);
    expect(key({ alpha: 1 }, { runtime: { node: process.versions.node.split(".")[0] as string, platform: "darwin", arch: "arm64" } })).not.toBe(base);
    const unset = key({ alpha: 1 }, { env: { DAG_NATIVE: null } });
    const empty = key({ alpha: 1 }, { env: { DAG_NATIVE: "" } });
    const zero = key({ alpha: 1 }, { env: { DAG_NATIVE: "0" } });
    expect(new Set([base, unset, empty, zero]).size).toBe(4);
  });

  it("says in words what changed in the runtime, the environment and asset files", () => {
    const at = (extra: Partial<Parameters<typeof makeKeyInputs>[0]>) =>
      makeKeyInputs({ stage: "ridge", module: "stages/r.ts", params: {}, seed: 1, code, inputs: input, outs: ["W.npy"], ...extra });
    const before = at({
      runtime: { node: "20", platform: "linux", arch: "x64" },
      env: { DAG_NATIVE: null, DAG_ISA: "avx2" },
      code: { files: { "stages/r.ts": "sha256:aa" as ContentHash, "native/build/identity.json": "absent", "models": "sha256:m1" as ContentHash }, packages: {} },
    });
    const after = at({
      runtime: { node: "22", platform: "linux", arch: "arm64" },
      env: { DAG_NATIVE: "", DAG_ISA: "avx512" },
      code: { files: { "stages/r.ts": "sha256:aa" as ContentHash, "native/build/identity.json": "sha256:id" as ContentHash, "models": "absent" }, packages: {} },
    });
    expect(staleReasons(before, after)).toEqual([
      "code native/build/identity.json appeared",
      "code models disappeared",
      "node 20 → 22",
      "platform linux-x64 → linux-arm64",
      'env DAG_NATIVE (unset) → ""',
      'env DAG_ISA "avx2" → "avx512"',
    ]);
  });
});

