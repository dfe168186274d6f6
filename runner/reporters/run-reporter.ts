// Shows a run: one listr2 row per stage (cached / running with live progress / done / failed / skipped);
// without a TTY listr2's simple renderer prints plain lines, with progress thinned to phase changes.
import { Listr, type DefaultRenderer, type ListrTaskWrapper, type SimpleRenderer } from "listr2";
import type { RunEvent, StageFailure } from "../events.js";
import { failureDetails, failureSummary } from "./failure-text.js";
import { lockWaitText } from "./lock-text.js";
import { formatSize } from "../quantities.js";
import { oneLine, terminalSafe } from "./terminal-text.js";
import { EtaClock, formatDuration, headlineValues, progressLine } from "./progress-line.js";

export interface RunReporterOptions {
  /** Draw live rows (a terminal) or print plain lines (CI, pipes). */
  readonly tty: boolean;
  readonly out: NodeJS.WritableStream;
}

type Task = ListrTaskWrapper<unknown, typeof DefaultRenderer, typeof SimpleRenderer>;

type Row = {
  readonly name: string;
  task: Task | undefined;
  settle: (failure?: Error) => void;
  readonly settled: Promise<Error | undefined>;
  readonly eta: EtaClock;
  lastPhase: string | undefined;
  lastPrint: number;
  metrics: Record<string, number>;
};

/** Consumes RunEvents and renders them; `finish` resolves once the rows are drawn for the last time. */
export class RunReporter {
  private readonly rows = new Map<string, Row>();
  private listr: Promise<void> | undefined;
  private readonly failures: { stage: string; failure: StageFailure }[] = [];
  private readonly skipped: string[] = [];
  private readonly warnings: string[] = [];
  private summary: Extract<RunEvent, { type: "run-end" }> | undefined;
  private dryRun = false;
  /** Each stage's declared headline metrics (pipeline.yaml `metrics:`). */
  private headlines: Readonly<Record<string, readonly string[]>> = {};

  constructor(private readonly options: RunReporterOptions) {}

  private write(text: string): void {
    const safe = terminalSafe(text);
    this.options.out.write(safe.endsWith("\n") ? safe : safe + "\n");
  }

  readonly emit = (event: RunEvent): void => {
    switch (event.type) {
      case "run-start":
        this.dryRun = event.dryRun;
        this.headlines = event.headlines;
        if (event.dryRun) return;
        this.start(event.stages);
        return;
      case "lock-wait":
        this.write(lockWaitText(event.holder, event.long, event.lockFile, "run"));
        return;
      case "warning":
        this.warnings.push(event.message);
        if (!this.options.tty || this.dryRun) this.write(`warning: ${event.message}`);
        return;
      case "stage-cached": {
        if (this.dryRun) {
          this.write(`${event.stage}: cached${event.restored ? " (would restore an earlier entry)" : ""}`);
          return;
        }
        const row = this.rows.get(event.stage);
        const how = event.pulled !== undefined ? `pulled ${formatSize(event.pulled.bytes)} in ${formatDuration(event.pulled.seconds)}` : `cached${event.restored ? " (restored)" : ""}`;
        if (row?.task) row.task.title = oneLine(`${event.stage}  ${how}  ${headlineValues(event.metrics, this.headlines[event.stage] ?? [])}`.trimEnd());
        row?.settle();
        return;
      }
      case "stage-start": {
        if (this.dryRun) {
          this.write(`${event.stage}: would run (${event.reasons.join("; ")})`);
          return;
        }
        const row = this.rows.get(event.stage);
        if (row?.task) {
          row.task.title = `${event.stage}  running`;
          row.task.output = oneLine(event.reasons.join("; "));
        }
        return;
      }
      case "stage-progress": {
        const row = this.rows.get(event.stage);
        if (row?.task === undefined) return;
        const now = performance.now();
        const eta = row.eta.estimate(event.phase, event.done, event.total, now);
        if (!this.options.tty) {
          const newPhase = event.phase !== row.lastPhase;
          const final = event.done === event.total;
          if (!newPhase && !final && now - row.lastPrint < 10_000) return;
          row.lastPhase = event.phase;
          row.lastPrint = now;
        }
        row.task.output = oneLine(progressLine(event, eta));
        return;
      }
      case "stage-metrics": {
        const row = this.rows.get(event.stage);
        if (row) Object.assign(row.metrics, event.values);
        return;
      }
      case "stage-done": {
        const row = this.rows.get(event.stage);
        if (row?.task) row.task.title = oneLine(`${event.stage}  done in ${formatDuration(event.seconds)}  ${headlineValues(event.metrics, this.headlines[event.stage] ?? [])}`.trimEnd());
        row?.settle();
        return;
      }
      case "stage-failed": {
        this.failures.push({ stage: event.stage, failure: event.failure });
        const row = this.rows.get(event.stage);
        if (row?.task) row.task.title = `${event.stage}  failed`;
        row?.settle(new Error(oneLine(failureSummary(event.failure))));
        return;
      }
      case "stage-skipped": {
        this.skipped.push(event.stage);
        if (this.dryRun) return;
        const row = this.rows.get(event.stage);
        if (row?.task) row.task.skip(oneLine(`${event.stage}  skipped: ${event.because}`));
        row?.settle();
        return;
      }
      case "run-end":
        this.summary = event;
        return;
      default: {
        const never: never = event;
        throw new Error(`unhandled event ${JSON.stringify(never)}`);
      }
    }
  };

  private start(stages: readonly string[]): void {
    for (const name of stages) {
      let settle: (failure?: Error) => void = () => undefined;
      const settled = new Promise<Error | undefined>((resolve) => {
        settle = (failure?: Error) => resolve(failure);
      });
      this.rows.set(name, { name, task: undefined, settle, settled, eta: new EtaClock(), lastPhase: undefined, lastPrint: 0, metrics: {} });
    }
    const list = new Listr<unknown, "default", "simple">(
      [...this.rows.values()].map((row) => ({
        title: `${row.name}  waiting`,
        task: async (_ctx: unknown, task: Task) => {
          row.task = task;
          const failure = await row.settled;
          if (failure) throw failure;
        },
      })),
      {
        concurrent: true,
        exitOnError: false,
        registerSignalListeners: false,
        renderer: "default",
        // No listr timer: every row starts when the run does, so it would count time spent waiting.
        rendererOptions: { collapseErrors: false, formatOutput: "truncate" },
        fallbackRenderer: "simple",
        fallbackRendererCondition: !this.options.tty,
      },
    );
    this.listr = list.run().then(
      () => undefined,
      () => undefined,
    );
  }

  /** Waits for the rows to settle, then prints failure details, warnings and the run's totals. */
  async finish(): Promise<void> {
    if (this.listr) await this.listr;
    if (this.options.tty) for (const w of this.warnings) this.write(`warning: ${w}`);
    for (const { stage, failure } of this.failures) {
      this.write("");
      this.write(failureDetails(stage, failure, this.skipped));
    }
    const s = this.summary;
    if (s === undefined) return;
    if (this.dryRun) {
      this.write(`dry run: nothing was run`);
      return;
    }
    const parts = [`${s.ran} ran`, `${s.cached} cached`];
    if (s.failed) parts.push(`${s.failed} failed`);
    if (s.skipped) parts.push(`${s.skipped} skipped`);
    this.write(`${parts.join(", ")} in ${formatDuration(s.seconds)}`);
  }
}
