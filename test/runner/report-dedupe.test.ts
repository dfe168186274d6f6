// Identical curves in the report are drawn once with a note (pure): equal to 4 significant digits, and only with the same visibility.
import { describe, expect, it } from "vitest";
import { dedupeSeries } from "../../runner/report-data.js";

const s = (label: string, values: (number | null)[], other = false, current = false) => ({ label, values, other, current });

describe("dedupeSeries", () => {
  it("merges equal series, keeps the current mark, and says which", () => {
    const out = dedupeSeries([s("a=1", [0.41, 0.5]), s("a=2", [0.410001, 0.5], false, true), s("a=3", [0.42, 0.5])]);
    expect(out.series.map((x) => x.label)).toEqual(["a=1 = a=2", "a=3"]);
    expect(out.series[0]?.current).toBe(true);
    expect(out.note).toBe("2 identical curves drawn as one: a=1, a=2");
  });
  it("never merges a shown series with a hidden one, and counts same-label entries", () => {
    const out = dedupeSeries([s("a=1", [1, null]), s("a=1", [1, null], true), s("a=1", [1, null], true)]);
    expect(out.series.map((x) => x.label)).toEqual(["a=1", "a=1 (2 entries)"]);
    expect(out.note).toBe("2 identical curves drawn as one: 2 entries of a=1");
    expect(dedupeSeries([s("x", [1]), s("y", [2])]).note).toBeUndefined();
  });
});
