// Follows a cluster job's messages file (one JSON message a line, appended by the stage) from the runner, across machines: a shared filesystem is all it needs.
import { open } from "node:fs/promises";
import { parseStageMessage, type StageMessage } from "../../schemas/stage-contract.js";

/** How often the file is read for new lines. */
const TAIL_MS = 250;

/** Reads new complete lines of `file` every TAIL_MS and hands each valid message on; `stop` reads what is left and ends. */
export function tailMessages(file: string, onMessage: (message: StageMessage) => void): { stop: () => Promise<void> } {
  let offset = 0;
  let partial = "";
  let reading: Promise<void> = Promise.resolve();
  const read = async (): Promise<void> => {
    let handle;
    try {
      handle = await open(file, "r");
    } catch {
      return;
    }
    try {
      for (;;) {
        const buffer = Buffer.alloc(64 * 1024);
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
        if (bytesRead === 0) break;
        offset += bytesRead;
        partial += buffer.subarray(0, bytesRead).toString("utf8");
        const lines = partial.split("\n");
        partial = lines.pop() ?? "";
        for (const line of lines) {
          if (line.trim() === "") continue;
          let value: unknown;
          try {
            value = JSON.parse(line);
          } catch {
            continue;
          }
          const message = parseStageMessage(value);
          if (message !== undefined) onMessage(message);
        }
      }
    } finally {
      await handle.close();
    }
  };
  const timer = setInterval(() => {
    reading = reading.then(read);
  }, TAIL_MS);
  return {
    stop: async () => {
      clearInterval(timer);
      reading = reading.then(read);
      await reading;
    },
  };
}
