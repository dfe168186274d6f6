// The catalog behind dag runs/diff/report and the gc plan: lineage by output hash, differing params, marks, sorting, what gc keeps.
import { describe, expect, it } from "vitest";
import type { CacheEntry } from "../../cache/cache-entry.js";
import type { ContentHash, StageKey } from "../../cache/digest.js";
import { planGc } from "../../runner/gc-plan.js";
import type { StageSpec } from "../../runner/pipeline.js";
import { parseDuration, parseSize, formatSize } from "../../runner/quantities.js";
import type { ResolvedStage } from "../../runner/dag-walk.js";
import { buildCatalog, sortCatalogs } from "../../runner/catalog.js";
import { runsCsv, runsMarkdown } from "../../runner/reporters/runs-table.js";
import { diffVariants } from "../../runner/variant-diff.js";

const hash = (text: string): ContentHash => `sha256:${text.padEnd(64, "0")}` as ContentHash;
let clock = Date.parse("2026-01-01T00:00:00Z");

/** A committed entry as the store lists it: `outputs` name → content tag, `inputs` name → [ref, content tag]. */
function entry(stage: string, key: string, params: Record<string, unknown>, outputs: Record<string, string>, inputs: Record<string, [string, string]> = {}, metrics: Record<string, number> = {}): CacheEntry {
  clock += 60_000;
  const at = new Date(clock).toISOString();
  return {
    stage,
    key: key as StageKey,
    dir: `/p/.dag/entries/${stage}/${key}`,
    outDir: `/p/.dag/entries/${stage}/${key}/outs`,
    logFile: "",
    manifestFile: "",
    manifest: {
      version: 1,
      stage,
      key: key as StageKey,
      createdAt: at,
      outputs: Object.fromEntries(Object.entries(outputs).map(([name, tag]) => [name, { hash: hash(tag), size: 10 }])),
      record: {
        inputs: {
          format: 1,
          stage,
          module: `stages/${stage}.ts`,
          params,
          seed: 0,
          code: {},
          packages: {},
          inputs: Object.fromEntries(Object.entries(inputs).map(([name, [ref, tag]]) => [name, { ref, hash: hash(tag) }])),
          outs: Object.keys(outputs),
        },
        metrics,
        meta: {},
        seconds: 1.5,
        startedAt: at,
        finishedAt: at,
      },
    },
  };
}

function resolvedTo(pairs: [string, string, CacheEntry][]): Map<string, Pick<ResolvedStage, "spec" | "entry">> {
  return new Map(pairs.map(([name, artifact, e]) => [name, { spec: { name, base: e.stage, artifact } as StageSpec, key: e.key, entry: e }]));
}

const r1 = entry("ridge", "aaaa1111", { alpha: 0.01, clip: 8 }, { "W.npy": "w1" });
const r2 = entry("ridge", "bbbb2222", { alpha: 0.1, clip: 8 }, { "W.npy": "w2" });
const f1 = entry("finetune", "cccc3333", { loss: { infonce: 0 } }, { "m.json": "m1" }, { W: ["ridge:W.npy", "w1"] }, { mrr_full: 0.4 });
const f2 = entry("finetune", "dddd4444", { loss: { infonce: 1 } }, { "m.json": "m2" }, { W: ["ridge:W.npy", "w1"] }, { mrr_full: 0.45 });
const f3 = entry("finetune", "eeee5555", { loss: { infonce: 0 } }, { "m.json": "m3" }, { W: ["ridge:W.npy", "w2"] }, { mrr_full: 0.38 });
const all = [r1, r2, f1, f2, f3];

describe("catalog", () => {
  it("finds each entry's upstream params by output hash and lists the params that differ", () => {
    const resolved = resolvedTo([
      ["ridge", "ridge", r1],
      ["finetune[loss.infonce=1]", "finetune@loss.infonce=1", f2],
      ["finetune[loss.infonce=0]", "finetune", f1],
    ]);
    const [ridge, finetune] = buildCatalog(["ridge", "finetune"], all, resolved);
    expect(ridge?.differing).toEqual(["alpha"]);
    expect(finetune?.differing).toEqual(["loss.infonce", "ridge.alpha"]);
    expect(finetune?.rows.map((r) => [r.key, r.params["ridge.alpha"], r.params["loss.infonce"], r.current])).toEqual([
      ["cccc3333", 0.01, 0, "yaml"],
      ["dddd4444", 0.01, 1, "sweep"],
      ["eeee5555", 0.1, 0, undefined],
    ]);
    expect(finetune?.rows[1]?.variants).toEqual(["finetune[loss.infonce=1]"]);
    const sorted = sortCatalogs([finetune!], "mrr_full", false)[0]!;
    expect(sorted.rows.map((r) => r.key)).toEqual(["dddd4444", "cccc3333", "eeee5555"]);
    expect(sortCatalogs([finetune!], "ridge.alpha", true)[0]!.rows.map((r) => r.key)).toEqual(["cccc3333", "dddd4444", "eeee5555"]);
  });

  it("prints Markdown and CSV with the differing params and the marks", () => {
    const catalogs = buildCatalog(["finetune"], all, resolvedTo([["finetune", "finetune", f1]]));
    const md = runsMarkdown(catalogs, clock + 3_600_000);
    expect(md).toContain("| current | key | loss.infonce | ridge.alpha | mrr_full | time | ran |");
    expect(md).toContain("| ● | `cccc3333` | 0 | 0.01 | 0.4 | 1.5s | 1h ago |");
    expect(runsCsv(catalogs).split("\n")[0]).toBe("stage,key,current,params.loss.infonce,params.ridge.alpha,metrics.mrr_full,seconds,started_at");
  });

  it("diffs two variants: differing params, metric changes, other input differences in words", () => {
    const [catalog] = buildCatalog(["finetune"], all, new Map());
    const diff = diffVariants(catalog!.rows[0]!, catalog!.rows[2]!);
    expect(diff.params).toEqual([{ name: "ridge.alpha", a: 0.01, b: 0.1 }]);
    expect(diff.metrics[0]?.name).toBe("mrr_full");
    expect(diff.metrics[0]?.delta).toBeCloseTo(-0.02, 10);
    expect(diff.other).toEqual(["input ridge:W.npy changed"]);
  });
});

describe("gc plan", () => {
  const sized = all.map((e, i) => ({ entry: e, bytes: 100 * (i + 1) }));
  const id = (e: CacheEntry): string => `${e.stage}\0${e.key}`;
  const base = { resolved: new Set([id(r1), id(f1)]), linked: new Set([id(f2)]), keepLast: 0, olderThan: undefined, maxSize: undefined, now: clock + 1000 };

  it("removes exactly what is neither resolved nor linked, oldest first, and counts the bytes", () => {
    const plan = planGc(sized, base);
    expect(plan.remove.map((s) => s.entry.key)).toEqual(["bbbb2222", "eeee5555"]);
    expect(plan.freedBytes).toBe(200 + 500);
    expect(plan.totalBytes).toBe(1500);
    expect(plan.keep.map((k) => k.why).sort()).toEqual(["linked", "resolved", "resolved"]);
  });

  it("keeps the newest N per stage, entries younger than --older-than, and stops at --max-size", () => {
    // The newest ridge (r2) and finetune (f3) are the two unreachable ones.
    const keepLast = planGc(sized, { ...base, keepLast: 1 });
    expect(keepLast.remove).toEqual([]);
    expect(keepLast.keep.filter((k) => k.why === "keep-last").map((k) => k.entry.key)).toEqual(["bbbb2222", "eeee5555"]);
    // f3 was created 1 s before `now`, r2 three minutes before.
    expect(planGc(sized, { ...base, olderThan: 60 }).remove.map((s) => s.entry.key)).toEqual(["bbbb2222"]);
    expect(planGc(sized, { ...base, maxSize: 1400 }).remove.map((s) => s.entry.key)).toEqual(["bbbb2222"]);
    expect(planGc(sized, { ...base, maxSize: 5000 }).remove).toEqual([]);
  });

  it("reads durations and sizes as typed", () => {
    expect(parseDuration("12h")).toEqual({ ok: true, value: 43_200 });
    expect(parseDuration("7")).toEqual({ ok: true, value: 604_800 });
    expect(parseDuration("soon").ok).toBe(false);
    expect(parseSize("1.5GiB")).toEqual({ ok: true, value: 1_610_612_736 });
    expect(parseSize("500M")).toEqual({ ok: true, value: 524_288_000 });
    expect(parseSize("2 GB")).toEqual({ ok: true, value: 2_147_483_648 });
    expect(formatSize(1536)).toBe("1.5 KiB");
  });
});
