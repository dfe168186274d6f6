// The run's status line and stage ETAs (pure): earlier durations first, the stage's own rate once it is well under way.
import { describe, expect, it } from "vitest";
import { baseOf, runStatusLine, stageEta, type RowProgress } from "../../runner/reporters/run-progress.js";

const row = (name: string, state: RowProgress["state"], extra: Partial<RowProgress> = {}): RowProgress => ({ name, base: baseOf(name), state, ...extra });

describe("stageEta", () => {
  it("uses the earlier duration while little is done, the rate after a third", () => {
    expect(stageEta(row("a", "running", { startedAt: 0, done: 1, total: 10 }), 20, 4000)).toBe(16);
    expect(stageEta(row("a", "running", { startedAt: 0, done: 5, total: 10 }), 20, 4000)).toBe(4);
    expect(stageEta(row("a", "running", { startedAt: 0, done: 0, total: 10 }), undefined, 4000)).toBeUndefined();
    expect(stageEta(row("a", "waiting"), 7, 0)).toBe(7);
  });
});

describe("runStatusLine", () => {
  it("counts stages and, for a sweep, variants; ETA from the rows still to come over the jobs", () => {
    const rows = [row("load", "settled"), row("ridge[alpha=1]", "settled"), row("ridge[alpha=2]", "running", { startedAt: 0, done: 0, total: 4 }), row("export", "waiting")];
    expect(runStatusLine(rows, { ridge: 10, export: 4 }, 72, 1, 2000)).toBe("stages 1/3 · variants 2/4 · elapsed 1m12s · ETA ~12s");
    expect(runStatusLine(rows, { ridge: 10, export: 4 }, 72, 2, 2000)).toBe("stages 1/3 · variants 2/4 · elapsed 1m12s · ETA ~6.0s");
    expect(runStatusLine(rows, { ridge: 10 }, 72, 1, 2000)).toBe("stages 1/3 · variants 2/4 · elapsed 1m12s");
    expect(runStatusLine([row("a", "settled")], {}, 3, 1, 0)).toBe("stages 1/1 · elapsed 3.0s");
  });
});
