// A stage's output stream on its way to log.txt: written as it comes, its last lines kept in memory so a failure can show them even when the disk is full.
import { closeSync, openSync, writeSync } from "node:fs";

/** How much of the stream's end is kept in memory for the failure message. */
const TAIL_BYTES = 64 * 1024;

/** The stage's stdout and stderr, interleaved as they arrive, appended to the log file. */
export class StageLog {
  private fd: number | undefined;
  private tailText = "";
  /** The error code that stopped writes to the log file (e.g. ENOSPC); the in-memory tail goes on. */
  lostAt: string | undefined;

  constructor(readonly file: string) {
    try {
      this.fd = openSync(file, "a");
    } catch (error) {
      this.lostAt = (error as NodeJS.ErrnoException).code ?? "EIO";
    }
  }

  /** Appends a chunk of output. */
  write(chunk: Buffer): void {
    this.tailText = (this.tailText + chunk.toString("utf8")).slice(-TAIL_BYTES);
    if (this.fd === undefined) return;
    try {
      for (let offset = 0; offset < chunk.length; ) offset += writeSync(this.fd, chunk, offset);
    } catch (error) {
      this.lostAt = (error as NodeJS.ErrnoException).code ?? "EIO";
      this.close();
    }
  }

  /** The last `lines` lines of the stream (from memory, whatever reached the file). */
  tail(lines: number): string[] {
    const text = this.tailText.replace(/\s+$/, "");
    return text === "" ? [] : text.split("\n").slice(-lines);
  }

  close(): void {
    if (this.fd === undefined) return;
    try {
      closeSync(this.fd);
    } catch {
      // Closed is closed.
    }
    this.fd = undefined;
  }
}
