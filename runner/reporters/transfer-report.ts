// Prints a push or pull: a live line with bytes, rate and ETA (redrawn on a terminal, every few seconds elsewhere), a line per entry, and a summary.
import { formatSize } from "../quantities.js";
import type { TransferEvent } from "../sync/transfer-events.js";
import { formatDuration } from "./progress-line.js";
import { oneLine, terminalSafe } from "./terminal-text.js";

/** Plain (non-terminal) output prints the progress line at most this often. */
const PLAIN_EVERY_MS = 5000;

export class TransferReporter {
  private direction: "push" | "pull" = "push";
  private remote = "";
  private total = 0;
  private entries = 0;
  private moved = 0;
  private bytes = 0;
  private shared = 0;
  private had = 0;
  private failed = 0;
  private started = performance.now();
  private lastDraw = 0;
  private drawn = false;

  constructor(private readonly options: { readonly tty: boolean; readonly out: NodeJS.WritableStream }) {}

  private line(text: string): void {
    if (this.drawn) this.options.out.write("\r\u001b[2K");
    this.drawn = false;
    this.options.out.write(`${terminalSafe(text)}\n`);
  }

  private progress(): string {
    const seconds = (performance.now() - this.started) / 1000;
    const rate = seconds > 0 ? this.bytes / seconds : 0;
    const left = Math.max(0, this.total - this.bytes);
    const eta = rate > 0 && left > 0 ? `  ETA ${formatDuration(left / rate)}` : "";
    const verb = this.direction === "push" ? "pushing" : "pulling";
    return `${verb} ${this.moved + this.had + this.failed}/${this.entries} entries  ${formatSize(this.bytes)} of ${formatSize(this.total)}  ${formatSize(Math.round(rate))}/s${eta}`;
  }

  private draw(force = false): void {
    const now = performance.now();
    if (this.options.tty) {
      if (!force && now - this.lastDraw < 100) return;
      this.options.out.write(`\r\u001b[2K${oneLine(this.progress())}`);
      this.drawn = true;
    } else {
      if (!force && now - this.lastDraw < PLAIN_EVERY_MS) return;
      this.options.out.write(`${oneLine(this.progress())}\n`);
    }
    this.lastDraw = now;
  }

  readonly emit = (event: TransferEvent): void => {
    switch (event.type) {
      case "transfer-start":
        this.direction = event.direction;
        this.remote = event.remote;
        this.entries = event.entries;
        this.total = event.bytes;
        this.started = performance.now();
        this.lastDraw = this.started;
        return;
      case "transfer-expect":
        this.total += event.bytes;
        return;
      case "transfer-bytes":
        this.bytes += event.bytes;
        this.draw();
        return;
      case "entry-done": {
        const key = event.key.slice(0, 10);
        if (event.sent) {
          this.moved += 1;
          this.shared += event.shared;
          const dedup = event.shared > 0 ? `, ${formatSize(event.shared)} of identical files already there` : "";
          this.line(`${event.stage} ${key}  ${this.direction === "push" ? "pushed" : "pulled"} ${formatSize(event.bytes)}${dedup}`);
        } else {
          this.had += 1;
          this.line(`${event.stage} ${key}  ${this.direction === "push" ? "already in the remote" : "already here"}`);
        }
        return;
      }
      case "entry-failed":
        this.failed += 1;
        this.line(`${event.stage} ${event.key.slice(0, 10)}  failed: ${event.message}`);
        return;
      case "entry-unavailable":
        this.line(`${event.stage}  ${event.why}`);
        return;
      case "transfer-end": {
        const seconds = (performance.now() - this.started) / 1000;
        const rate = seconds > 0 ? ` (${formatSize(Math.round(this.bytes / seconds))}/s)` : "";
        const verb = this.direction === "push" ? "pushed" : "pulled";
        const side = this.direction === "push" ? "to" : "from";
        const parts = [`${verb} ${this.moved} ${this.moved === 1 ? "entry" : "entries"} ${side} ${this.remote}: ${formatSize(this.bytes)} in ${formatDuration(seconds)}${this.bytes > 0 ? rate : ""}`];
        if (this.had > 0) parts.push(`${this.had} already ${this.direction === "push" ? "there" : "here"}`);
        if (this.shared > 0) parts.push(`${formatSize(this.shared)} of identical files not sent again`);
        if (this.failed > 0) parts.push(`${this.failed} failed`);
        this.line(parts.join("; "));
        return;
      }
      default: {
        const never: never = event;
        throw new Error(`unhandled event ${JSON.stringify(never)}`);
      }
    }
  };
}
