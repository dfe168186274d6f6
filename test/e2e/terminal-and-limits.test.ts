// End-to-end: text from stages reaches the terminal without control sequences; over-long stage names are config errors with a position.
import { describe, expect, it } from "vitest";
import { dag, makeProject, runsLog } from "./project.js";

/** Any C0/C1 control character other than newline and tab (ESC, BEL, CSI…). */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

/** A YAML double-quoted string with every control character escaped. */
function quoted(text: string): string {
  return `"${text.replace(/[\u0000-\u001f\u007f-\u009f"\\]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)}"`;
}

describe("terminal safety", () => {
  it("progress text, metric names and log lines from a stage are printed without control characters", async () => {
    const hostile = "\u001b]0;owned\u0007\u001b[2J\u001b[31mred\u001b[0m\u009b1m";
    const dir = makeProject({
      "pipeline.yaml": `stages:
  a:
    module: stages/fault.ts
    params: { phase: ${quoted(`phase ${hostile}`)}, metric_name: ${quoted(`mrr_${hostile}`)} }
    outs: [o.bin]
  b:
    module: stages/fault.ts
    params: { say: ${quoted(`log ${hostile}`)}, exit_code: 3 }
    outs: [o.txt]
`,
    });
    const run = await dag(dir, "run");
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toContain("phase red");
    expect(run.stdout).toContain("mrr_red");
    expect(run.stdout).toContain("stage b failed");
    expect(run.stdout).toContain("log red");
    expect(run.stdout).not.toMatch(CONTROL);
    expect(run.stderr).not.toMatch(CONTROL);
    for (const args of [["status"], ["runs"], ["runs", "--csv"], ["runs", "--md"], ["diff", "a", "a"]]) {
      const r = await dag(dir, ...args);
      expect(r.stdout + r.stderr).not.toMatch(CONTROL);
    }
    expect((await dag(dir, "status")).stdout).toContain("mrr_red");
  });
});

describe("stage name limits", () => {
  it("a stage name too long for the store is refused by the config check, with its position", async () => {
    for (const length of [101, 150]) {
      const name = `s${"x".repeat(length - 1)}`;
      const dir = makeProject({ "pipeline.yaml": `stages:\n  ${name}:\n    module: stages/echo.ts\n    outs: [o.txt]\n` });
      for (const command of ["run", "status"]) {
        const r = await dag(dir, command);
        expect(r.exitCode).toBe(2);
        expect(r.stderr).toMatch(new RegExp(`pipeline\\.yaml:2:3 error: stage name "sx+…?" has ${length} characters; at most 100`));
        expect(r.stderr).not.toContain("RangeError");
      }
      expect(runsLog(dir)).toEqual([]);
    }
    const ok = makeProject({ "pipeline.yaml": `stages:\n  s${"x".repeat(99)}:\n    module: stages/echo.ts\n    outs: [o.txt]\n` });
    expect((await dag(ok, "run")).exitCode).toBe(0);
    expect((await dag(ok, "status")).exitCode).toBe(0);
  });
});
