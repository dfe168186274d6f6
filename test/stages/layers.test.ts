// The stage half's layers: each folder of stages/lib imports only lower layers (and its own folder), never the runner or the cache.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { importSpecifiers } from "../../runner/code-fingerprint.js";

const REPO = path.resolve(import.meta.dirname, "../..");
const LIB = path.join(REPO, "stages/lib");
/** Lowest first: a layer may import the layers before it. */
const LAYERS = ["core", "io", "kernels", "linalg", "data", "eval", "model", "train", "protocol"];

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(path.join(dir, e.name)) : e.name.endsWith(".ts") ? [path.join(dir, e.name)] : []));
}

describe("stages/lib layers", () => {
  it("has one folder per layer, each with a README saying what it is for", () => {
    const folders = readdirSync(LIB, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
    expect(folders).toEqual([...LAYERS].sort());
    for (const layer of LAYERS) expect(readFileSync(path.join(LIB, layer, "README.md"), "utf8").trim().length, layer).toBeGreaterThan(10);
  });

  it("never imports a higher layer, the runner or the cache", () => {
    const problems: string[] = [];
    for (const file of sources(LIB)) {
      const layer = path.relative(LIB, file).split(path.sep)[0] as string;
      const rank = LAYERS.indexOf(layer);
      for (const spec of importSpecifiers(readFileSync(file, "utf8"))) {
        if (!spec.startsWith(".")) continue;
        const target = path.relative(REPO, path.resolve(path.dirname(file), spec));
        const where = `${path.relative(REPO, file)} imports ${spec}`;
        if (target.startsWith("runner") || target.startsWith("cache")) problems.push(where);
        if (!target.startsWith("stages/lib/")) continue;
        const other = LAYERS.indexOf(target.split("/")[2] as string);
        if (other > rank) problems.push(`${where} (${layer} is below ${LAYERS[other]})`);
      }
    }
    expect(problems).toEqual([]);
  });

  it("the stage contract imports nothing of the runner, the cache or the stages", () => {
    const specs = importSpecifiers(readFileSync(path.join(REPO, "schemas/stage-contract.ts"), "utf8"));
    // Its relative imports are the shared Result and the validators generated from its schemas
    // (npm run build), both beside it; Result imports nothing, the validators no module of ours.
    expect(specs.filter((s) => s.startsWith("."))).toEqual(["./result.js", "./validators.generated.js"]);
    expect(importSpecifiers(readFileSync(path.join(REPO, "schemas/result.ts"), "utf8"))).toEqual([]);
    expect(importSpecifiers(readFileSync(path.join(REPO, "schemas/validators.generated.ts"), "utf8")).filter((s) => s.startsWith("."))).toEqual([]);
  });
});
