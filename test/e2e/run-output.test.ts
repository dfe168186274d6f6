// End-to-end: what `dag run` prints without a terminal (and with -j): `[stage]` lines, throttled, no waiting rows, the run's line, where the results are.
import { describe, expect, it } from "vitest";
import { CHAIN_YAML, dag, makeProject } from "./project.js";

/** Lines that are not a stage's or the run's: the summary at the end. */
const SUMMARY = /^(results: |headline: |best of \d+ variants: |\d+ ran, )/;

describe("plain run output", () => {
  it("prefixes every line with its stage, prints no waiting rows, ends with where the results are", async () => {
    const dir = makeProject({ "pipeline.yaml": CHAIN_YAML, "input.txt": "raw" });
    const r = await dag(dir, "run");
    expect(r.exitCode, r.stderr).toBe(0);
    const lines = r.stdout.split("\n").filter(Boolean);
    for (const line of lines) expect(line).toMatch(new RegExp(`^\\[(a|b|c|run)\\] |${SUMMARY.source}`));
    expect(r.stdout).not.toContain("waiting");
    expect(lines.indexOf("[a] running: never run")).toBeLessThan(lines.findIndex((l) => l.startsWith("[b] ")));
    expect(r.stdout).toMatch(/^\[b\] done in [\d.]+s {2}score 0\.5$/m);
    expect(r.stdout).toContain("results: artifacts/c/out.txt, artifacts/c/extra.txt");
    expect(r.stdout).toContain("headline: b score 0.5");
    const again = await dag(dir, "run");
    expect(again.stdout).toMatch(/^\[a\] cached$/m);
    expect(again.stdout).toContain("results: artifacts/c/out.txt");
  });

  it("throttles progress: a stage sending 150 updates in one phase prints a few lines", async () => {
    const yaml = `stages:\n  slow:\n    module: stages/echo.ts\n    params: { sleep_ms: 3000, updates: 150 }\n    outs: [o.txt]\n`;
    const r = await dag(makeProject({ "pipeline.yaml": yaml }), "run");
    expect(r.exitCode, r.stderr).toBe(0);
    const progress = r.stdout.split("\n").filter((l) => /^\[slow\] \[[█░]+\] \d+%/.test(l));
    expect(progress.length).toBeGreaterThanOrEqual(1);
    expect(progress.length).toBeLessThanOrEqual(4);
    expect(progress.some((l) => l.includes("% steps"))).toBe(true);
  });

  it("with -j 2 lines are prefixed too; the run's line gets an ETA once earlier durations are known", async () => {
    const yaml = `stages:
  a:
    module: stages/echo.ts
    params: { sleep_ms: 5500 }
    outs: [a.txt]
  b:
    module: stages/echo.ts
    params: { sleep_ms: 300 }
    outs: [b.txt]
  c:
    module: stages/echo.ts
    deps: { x: a:a.txt, y: b:b.txt }
    params: { sleep_ms: 300 }
    outs: [c.txt]
`;
    const dir = makeProject({ "pipeline.yaml": yaml });
    const first = await dag(dir, "run", "-j", "2");
    expect(first.exitCode, first.stderr).toBe(0);
    for (const line of first.stdout.split("\n").filter(Boolean)) expect(line).toMatch(new RegExp(`^\\[(a|b|c|run)\\] |${SUMMARY.source}`));
    expect(first.stdout).toMatch(/^\[run\] stages 1\/3 · elapsed [\d.]+s$/m);
    const forced = await dag(dir, "run", "-j", "2", "--force");
    expect(forced.stdout).toMatch(/^\[run\] stages 1\/3 · elapsed [\d.]+s · ETA ~[\d.]+s$/m);
  });

  it("a sweep's end names the best variant by the headline metric and its link", async () => {
    const yaml = `stages:
  fit:
    module: stages/echo.ts
    params: { metric: 0.5 }
    outs: [o.txt]
    metrics: [score]
sweep:
  fit.metric: [0.2, 0.9]
`;
    const r = await dag(makeProject({ "pipeline.yaml": yaml }), "run");
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain("best of 3 variants: fit[metric=0.9] score 0.9  (artifacts/fit@metric=0.9/)");
    expect(r.stdout).toContain("results: artifacts/fit/o.txt");
  });
});
