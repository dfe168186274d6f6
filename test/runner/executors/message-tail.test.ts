// The messages file transport: the stage library appends, the runner's tail hands on each message once, in order, across partial writes.
import { appendFileSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { tailMessages } from "../../../runner/executors/message-tail.js";
import { messageLine, type StageMessage } from "../../../schemas/stage-contract.js";

describe("tailMessages", () => {
  it("delivers every valid message once, in order, lines split across writes included; invalid lines are dropped", async () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), "dag-tail-")), "messages.jsonl");
    writeFileSync(file, "");
    const seen: StageMessage[] = [];
    const tail = tailMessages(file, (m) => seen.push(m));
    const sent: StageMessage[] = [];
    for (let i = 0; i < 50; i++) {
      const m: StageMessage = { type: "progress", done: i, total: 50, phase: "épochs ✓" };
      sent.push(m);
      const line = messageLine(m);
      appendFileSync(file, line.slice(0, 7));
      if (i % 10 === 0) await new Promise((r) => setTimeout(r, 300));
      appendFileSync(file, line.slice(7));
    }
    appendFileSync(file, '{"type":"nonsense"}\nnot json\n');
    const last: StageMessage = { type: "metrics", values: { mrr: 0.5 } };
    sent.push(last);
    appendFileSync(file, messageLine(last));
    await tail.stop();
    expect(seen).toEqual(sent);
  });
});
