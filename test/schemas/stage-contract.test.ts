// The stage contract: both JSON schemas are valid, and the one module both sides import checks jobs and messages against them.
import { readFileSync } from "node:fs";
import path from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import { describe, expect, it } from "vitest";
import { compiledValidators, GENERATED } from "../../schemas/compile-validators.js";
import { parseJob, parseStageMessage } from "../../schemas/stage-contract.js";

const SCHEMAS = path.resolve(import.meta.dirname, "../../schemas");

describe("stage contract", () => {
  it("its schemas are valid 2020-12 JSON Schema", () => {
    for (const name of ["job.schema.json", "stage-message.schema.json"]) {
      const ajv = new Ajv2020({ strict: true, allowUnionTypes: true });
      expect(ajv.validateSchema(JSON.parse(readFileSync(path.join(SCHEMAS, name), "utf8")) as object), `${name}: ${JSON.stringify(ajv.errors)}`).toBe(true);
    }
  });

  it("accepts a job the runner writes and refuses one with a missing or unknown field, saying which", () => {
    const job = { stage: "ridge", params: { alpha: 0.03 }, deps: { captions: "/p/c.npy" }, outDir: "/o", outs: { "W.npy": "/o/W.npy" }, seed: 42 };
    expect(parseJob(job)).toEqual({ ok: true, value: job });
    const missing = parseJob({ ...job, seed: undefined });
    expect(missing.ok).toBe(false);
    if (!missing.ok) expect(missing.error).toMatch(/must have required property 'seed'/);
    // The job names no project root: a stage reads only the paths of its inputs.
    const extra = parseJob({ ...job, projectRoot: "/p" });
    expect(extra.ok).toBe(false);
    if (!extra.ok) expect(extra.error).toMatch(/must NOT have additional properties/);
  });

  it("keeps well-formed messages and drops anything else", () => {
    const progress = { type: "progress", done: 1, total: 2, phase: "epoch 1/2", values: { loss: 0.4 } };
    expect(parseStageMessage(progress)).toEqual(progress);
    expect(parseStageMessage({ type: "metrics", values: { mrr_full: 0.4 } })).toEqual({ type: "metrics", values: { mrr_full: 0.4 } });
    expect(parseStageMessage({ type: "meta", values: { backend: "wasm", threads: 2, native: true } })).toBeDefined();
    for (const bad of [null, "x", { type: "progress", done: 1 }, { type: "metrics", values: { mrr: "high" } }, { type: "meta", values: { a: [1] } }, { type: "other" }]) {
      expect(parseStageMessage(bad), JSON.stringify(bad)).toBeUndefined();
    }
  });

  it("checks with validators compiled from today's schemas (npm run build regenerates them after a schema changes)", () => {
    expect(readFileSync(GENERATED, "utf8") === compiledValidators(), `${GENERATED} is older than the schemas: run npm run build`).toBe(true);
  });
});
