// Unit tests of the terminal filter: whatever a stage prints, the terminal only shows text.
import { describe, expect, it } from "vitest";
import { oneLine, terminalSafe } from "../../runner/reporters/terminal-text.js";

describe("terminalSafe", () => {
  it("removes colour and cursor codes, title and hyperlink sequences, bells, C1 controls and direction overrides", () => {
    expect(terminalSafe("\u001b[31mred\u001b[0m")).toBe("red");
    expect(terminalSafe("a\u001b[2J\u001b[Hb")).toBe("ab");
    expect(terminalSafe("\u001b]0;pwned\u0007title")).toBe("title");
    expect(terminalSafe("\u001b]8;;https://x.example\u001b\\link\u001b]8;;\u001b\\")).toBe("link");
    expect(terminalSafe("\u009b31mred\u009b0m")).toBe("red");
    expect(terminalSafe("\u001bPdevice\u001b\\ok")).toBe("ok");
    expect(terminalSafe("bell\u0007 back\b\rspace\u007f")).toBe("bell backspace");
    expect(terminalSafe("abc\u202edcba")).toBe("abcdcba");
    expect(terminalSafe("lone \u001b")).toBe("lone ");
  });

  it("keeps text, tabs, newlines and non-ASCII as they are", () => {
    expect(terminalSafe("ridge\tα=0.03\n[████░░] 3/4 ✓")).toBe("ridge\tα=0.03\n[████░░] 3/4 ✓");
    expect(oneLine("two\nlines\tand a tab")).toBe("two lines and a tab");
  });
});
