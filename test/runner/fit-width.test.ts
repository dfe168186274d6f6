// Fitting output to the terminal (pure): whole columns dropped from the right and named, lines cut at a word, never mid-word.
import { describe, expect, it } from "vitest";
import { fitLine, fitTable, hiddenNote } from "../../runner/reporters/fit-width.js";

describe("fitLine", () => {
  it("leaves a short line alone and cuts a long one at a word with …", () => {
    expect(fitLine("mrr_full 0.434", 20)).toBe("mrr_full 0.434");
    expect(fitLine("ridge  cached  mrr_full 0.35 mrr_batch100 0.887", 30)).toBe("ridge  cached  mrr_full 0.35…");
    expect([...fitLine("ridge  cached  mrr_full 0.35 mrr_batch100 0.887", 30)].length).toBeLessThanOrEqual(30);
  });
});

describe("fitTable", () => {
  const header = ["", "key", "alpha", "mrr_full", "r1_full", "time"];
  const rows = [
    ["●", "3f2a1b4c5d", "0.03", "0.4337", "0.288", "9.9s"],
    ["○", "9e8d7c6b5a", "0.1", "0.41", "0.27", "12s"],
  ];
  it("keeps every column when it fits, aligning numbers right", () => {
    const t = fitTable(header, rows, new Set([3, 4, 5]), Infinity);
    expect(t.hidden).toEqual([]);
    expect(t.lines[1]).toBe("●  3f2a1b4c5d  0.03     0.4337    0.288  9.9s");
  });
  it("drops whole columns from the right, never the kept ones, and names them", () => {
    const t = fitTable(header, rows, new Set([3, 4, 5]), 34, 3);
    expect(t.lines[0]).toBe("   key         alpha  mrr_full");
    expect(t.hidden).toEqual(["r1_full", "time"]);
    expect(hiddenNote(t.hidden, 80)).toBe("+ 2 more columns (--wide shows all): r1_full, time");
    expect(fitTable(header, rows, new Set(), 5, 3).lines[0]).toBe("   key         alpha");
  });
});
