// Shows a run. On a terminal with one job: listr2 rows (waiting ones still, the running one with a bar over the whole
// stage) under a line for the run as a whole. Without a terminal or with -j: plain `[stage] …` lines, throttled.
import { Listr, type DefaultRenderer, type ListrTaskWrapper, type SimpleRenderer } from "listr2";
import type { RunEvent, StageFailure } from "../events.js";
import { clusterJobText } from "./cluster-job-text.js";
import { failureDetails, failureSummary } from "./failure-text.js";
import { lockWaitText } from "./lock-text.js";
import { formatSize } from "../quantities.js";
import { oneLine, terminalSafe } from "./terminal-text.js";
import { formatDuration, headlineValues, progressLine } from "./progress-line.js";
import { baseOf, runStatusLine, stageEta, type RowProgress } from "./run-progress.js";
import { resultsText, type ResultPlaces } from "./run-results.js";

export interface RunReporterOptions {
  /** Draw live rows (a terminal) or print plain lines (CI, pipes). */
  readonly tty: boolean;
  readonly out: NodeJS.WritableStream;
  /** Stage processes at once (`-j`): more than one prints plain lines, on a terminal too. */
  readonly jobs?: number;
  /** Stage → seconds its earlier entries took (expected-durations.ts), for ETAs. */
  readonly expected?: Readonly<Record<string, number>>;
  /** Where the rows' outputs are, for the summary at the end. */
  readonly places?: ResultPlaces;
  /** Terminal width; the bar narrows below 80 columns. */
  readonly columns?: number;
}

type Task = ListrTaskWrapper<unknown, typeof DefaultRenderer, typeof SimpleRenderer>;

type Row = {
  readonly name: string;
  readonly base: string;
  state: RowProgress["state"];
  startedAt: number | undefined;
  done: number | undefined;
  total: number | undefined;
  phase: string | undefined;
  values: Readonly<Record<string, number>> | undefined;
  task: Task | undefined;
  title: string;
  output: string;
  settle: (failure?: Error) => void;
  readonly settled: Promise<Error | undefined>;
  /** Plain mode: the phase last printed and when. */
  lastPhase: string | undefined;
  lastPrint: number;
  /** The cluster job's state as last shown, e.g. `slurm job 12 RUNNING on node07`. */
  job?: string;
};

/** Plain mode prints a stage's progress at a new phase (at most once a second) or after this long without a line. */
const PLAIN_EVERY_MS = 5_000;
const PLAIN_PHASE_MS = 1_000;
/** Plain mode prints the run's line after a stage ends, at most this often. */
const PLAIN_RUN_EVERY_MS = 5_000;

/** Consumes RunEvents and renders them; `finish` resolves once the rows are drawn for the last time. */
export class RunReporter {
  private readonly rows = new Map<string, Row>();
  private listr: Promise<void> | undefined;
  private footer: { task: Task | undefined; settle: () => void; timer: NodeJS.Timeout | undefined } | undefined;
  private readonly failures: { stage: string; failure: StageFailure }[] = [];
  private readonly skipped: string[] = [];
  private readonly warnings: string[] = [];
  private readonly metrics = new Map<string, Readonly<Record<string, number>>>();
  private summary: Extract<RunEvent, { type: "run-end" }> | undefined;
  private dryRun = false;
  private started = performance.now();
  private lastRunLine = Number.NEGATIVE_INFINITY;
  /** Each stage's declared headline metrics (pipeline.yaml `metrics:`). */
  private headlines: Readonly<Record<string, readonly string[]>> = {};

  constructor(private readonly options: RunReporterOptions) {}

  /** Live listr2 rows: a terminal and one job at a time (the rows then run in the executor's order). */
  private get live(): boolean {
    return this.options.tty && (this.options.jobs ?? 1) <= 1;
  }

  private write(text: string): void {
    const safe = terminalSafe(text);
    this.options.out.write(safe.endsWith("\n") ? safe : safe + "\n");
  }

  private get barWidth(): number {
    return (this.options.columns ?? 80) < 80 ? 10 : 20;
  }

  readonly emit = (event: RunEvent): void => {
    switch (event.type) {
      case "run-start":
        this.dryRun = event.dryRun;
        this.headlines = event.headlines;
        this.started = performance.now();
        if (event.dryRun) return;
        this.start(event.stages);
        return;
      case "lock-wait":
        this.write(lockWaitText(event.holder, event.long, event.lockFile, "run"));
        return;
      case "warning":
        this.warnings.push(event.message);
        if (!this.live || this.dryRun) this.write(`warning: ${event.message}`);
        return;
      case "stage-cached": {
        if (this.dryRun) {
          this.write(`${event.stage}: cached${event.restored ? " (would restore an earlier entry)" : ""}`);
          return;
        }
        this.metrics.set(event.stage, event.metrics);
        this.settle(event.stage, `${event.pulled !== undefined ? `pulled ${formatSize(event.pulled.bytes)} in ${formatDuration(event.pulled.seconds)}` : `cached${event.restored ? " (restored)" : ""}`}  ${headlineValues(event.metrics, this.headlines[event.stage] ?? [])}`.trimEnd());
        return;
      }
      case "stage-start": {
        if (this.dryRun) {
          this.write(`${event.stage}: would run (${event.reasons.join("; ")})`);
          return;
        }
        const row = this.rows.get(event.stage);
        if (row === undefined) return;
        row.state = "running";
        row.startedAt = performance.now();
        row.title = `${row.name}  running`;
        row.output = event.reasons.join("; ");
        if (this.live) this.draw(row);
        else this.write(`[${row.name}] running: ${event.reasons.join("; ")}`);
        return;
      }
      case "stage-progress": {
        const row = this.rows.get(event.stage);
        if (row === undefined || row.state !== "running") return;
        row.done = event.done;
        row.total = event.total;
        row.values = event.values;
        const now = performance.now();
        const eta = stageEta(row, this.options.expected?.[row.base], now);
        const elapsed = row.startedAt === undefined ? undefined : (now - row.startedAt) / 1000;
        row.phase = event.phase;
        if (this.live) {
          row.output = this.liveLine(row, now);
          this.draw(row);
          return;
        }
        const newPhase = event.phase !== row.lastPhase && now - row.lastPrint >= PLAIN_PHASE_MS;
        if (!newPhase && now - row.lastPrint < PLAIN_EVERY_MS) return;
        row.lastPhase = event.phase;
        row.lastPrint = now;
        this.write(`[${row.name}] ${progressLine(event, eta, { barWidth: 10, ...(elapsed === undefined ? {} : { elapsed }) })}`);
        return;
      }
      case "stage-job": {
        const row = this.rows.get(event.stage);
        if (row === undefined || row.state !== "running") return;
        const text = clusterJobText(event);
        if (text === row.job) return;
        row.job = text;
        row.title = `${row.name}  running  [${text}]`;
        if (this.live) this.draw(row);
        else this.write(`[${row.name}] ${text}`);
        return;
      }
      case "stage-metrics": {
        this.metrics.set(event.stage, { ...(this.metrics.get(event.stage) ?? {}), ...event.values });
        return;
      }
      case "stage-done": {
        this.metrics.set(event.stage, event.metrics);
        this.settle(event.stage, `done in ${formatDuration(event.seconds)}  ${headlineValues(event.metrics, this.headlines[event.stage] ?? [])}`.trimEnd(), undefined, true);
        return;
      }
      case "stage-failed": {
        this.failures.push({ stage: event.stage, failure: event.failure });
        this.metrics.delete(event.stage);
        this.settle(event.stage, "failed", new Error(oneLine(failureSummary(event.failure))), true);
        return;
      }
      case "stage-skipped": {
        this.skipped.push(event.stage);
        if (this.dryRun) return;
        this.settle(event.stage, `skipped: ${event.because}`, undefined, false, true);
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

  /** Ends a row: its final title (`done in 2.6s  mrr 0.4`), its failure, or a skip. */
  private settle(name: string, text: string, failure?: Error, ran = false, skip = false): void {
    const row = this.rows.get(name);
    if (row === undefined) return;
    row.state = "settled";
    row.title = oneLine(`${row.name}  ${text}`);
    if (this.live) {
      if (skip && row.task) row.task.skip(row.title);
      else this.draw(row);
      this.drawFooter();
    } else {
      this.write(`[${row.name}] ${failure === undefined ? text : `failed: ${failure.message}`}`);
      const now = performance.now();
      if (ran && now - this.lastRunLine >= PLAIN_RUN_EVERY_MS && [...this.rows.values()].some((r) => r.state !== "settled")) {
        this.lastRunLine = now;
        this.write(`[run] ${this.runLine(now)}`);
      }
    }
    row.settle(failure);
  }

  private runLine(now = performance.now()): string {
    return runStatusLine([...this.rows.values()], this.options.expected ?? {}, (now - this.started) / 1000, this.options.jobs ?? 1, now);
  }

  /** Shows a row's state in its listr2 task, once the task has started. */
  private draw(row: Row): void {
    if (row.task === undefined) return;
    row.task.title = row.title;
    row.task.output = oneLine(row.output);
  }

  /** A running row's bar, its elapsed time and ETA as of `now`. */
  private liveLine(row: Row, now: number): string {
    const eta = stageEta(row, this.options.expected?.[row.base], now);
    const elapsed = row.startedAt === undefined ? undefined : (now - row.startedAt) / 1000;
    const p = { done: row.done ?? 0, total: row.total ?? 0, phase: row.phase, values: row.values };
    return progressLine(p, eta, { barWidth: this.barWidth, ...(elapsed === undefined ? {} : { elapsed }) });
  }

  /** Once a second: the run's line, and the running rows' clocks (a long single step sends no progress, its time still moves). */
  private drawFooter(): void {
    const now = performance.now();
    for (const row of this.rows.values()) {
      if (row.state !== "running" || row.total === undefined) continue;
      row.output = this.liveLine(row, now);
      this.draw(row);
    }
    if (this.footer?.task) this.footer.task.title = oneLine(this.runLine(now));
  }

  private start(stages: readonly string[]): void {
    for (const name of stages) {
      let settle: (failure?: Error) => void = () => undefined;
      const settled = new Promise<Error | undefined>((resolve) => {
        settle = (failure?: Error) => resolve(failure);
      });
      this.rows.set(name, {
        name,
        base: baseOf(name),
        state: "waiting",
        startedAt: undefined,
        done: undefined,
        total: undefined,
        phase: undefined,
        values: undefined,
        task: undefined,
        title: `${name}  waiting`,
        output: "",
        settle,
        settled,
        lastPhase: undefined,
        lastPrint: Number.NEGATIVE_INFINITY,
      });
    }
    if (!this.live) return;
    let endFooter: () => void = () => undefined;
    const footerDone = new Promise<void>((resolve) => (endFooter = resolve));
    this.footer = { task: undefined, settle: endFooter, timer: undefined };
    const footer = this.footer;
    // Rows one after another, as the executor runs them with one job: a row not reached yet waits without a spinner.
    const rows = [...this.rows.values()].map((row) => ({
      title: row.title,
      task: async (_ctx: unknown, task: Task) => {
        row.task = task;
        this.draw(row);
        const failure = await row.settled;
        this.draw(row);
        if (failure) throw failure;
      },
    }));
    const list = new Listr<unknown, "default", "simple">(
      [
        { task: (_ctx: unknown, task: Task) => task.newListr(rows, { concurrent: false, exitOnError: false }) },
        {
          title: this.runLine(),
          task: async (_ctx: unknown, task: Task) => {
            footer.task = task;
            footer.timer = setInterval(() => this.drawFooter(), 1000);
            await footerDone;
            clearInterval(footer.timer);
            this.drawFooter();
          },
        },
      ],
      {
        concurrent: true,
        exitOnError: false,
        registerSignalListeners: false,
        renderer: "default",
        // No listr timer: every row starts when the run does, so it would count time spent waiting.
        rendererOptions: { collapseErrors: false, formatOutput: "truncate", collapseSubtasks: false },
      },
    );
    this.listr = list.run().then(
      () => undefined,
      () => undefined,
    );
  }

  /** Waits for the rows to settle, then prints failure details, warnings, where the results are and the run's totals. */
  async finish(): Promise<void> {
    this.footer?.settle();
    if (this.listr) await this.listr;
    if (this.live) for (const w of this.warnings) this.write(`warning: ${w}`);
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
    const columns = this.options.columns ?? Infinity;
    for (const line of this.options.places === undefined ? [] : resultsText(this.options.places, this.metrics, this.headlines, baseOf)) {
      // On a narrow terminal the paths go one a line rather than wrap mid-path.
      if (line.length > columns && line.startsWith("results: ")) this.write(["results:", ...line.slice("results: ".length).split(", ").map((p) => `  ${p}`)].join("\n"));
      else if (line.length > columns && line.includes("  (")) this.write(line.replace("  (", "\n  ("));
      else this.write(line);
    }
    const parts = [`${s.ran} ran`, `${s.cached} cached`];
    if (s.failed) parts.push(`${s.failed} failed`);
    if (s.skipped) parts.push(`${s.skipped} skipped`);
    this.write(`${parts.join(", ")} in ${formatDuration(s.seconds)}`);
  }
}
