// StageProgress: a stage's phases map onto one bar over the whole stage (constant total, never backwards), phases as text.
import { fork } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";

const STAGE = path.resolve(import.meta.dirname, "../../fixtures/stages/phased-stage.ts");

describe("StageProgress", () => {
  it("reports the whole stage's work: one total, done never going back, phase text as given", async () => {
    const child = fork(STAGE, [], { execArgv: ["--import", "tsx"], stdio: "ignore" });
    const messages: { done: number; total: number; phase?: string }[] = [];
    child.on("message", (m) => messages.push(m as { done: number; total: number; phase?: string }));
    await new Promise((resolve) => child.on("exit", resolve));
    expect(new Set(messages.map((m) => m.total))).toEqual(new Set([10]));
    expect(messages.map((m) => m.done)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 9, 10]);
    expect(messages.map((m) => m.phase)).toEqual(["read", "read", ...Array(4).fill("epoch 1/2"), ...Array(4).fill("epoch 2/2"), "unplanned", "write out.npy", "done"]);
  });
});
