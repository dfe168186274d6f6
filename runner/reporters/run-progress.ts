// The run as a whole while it goes (pure): each stage's ETA, and the `stages 3/6 · variants 9/18 · elapsed 1m12s · ETA ~40s` line.
import { formatDuration } from "./progress-line.js";

/** What the run view knows of one row (a stage or sweep variant). */
export interface RowProgress {
  readonly name: string;
  /** The stage's name in the pipeline file (a variant's stage). */
  readonly base: string;
  readonly state: "waiting" | "running" | "settled";
  /** When the row's process started (ms, performance.now()), while running. */
  readonly startedAt?: number;
  /** Its last progress report: the stage's whole work (stages/lib/protocol/progress.ts). */
  readonly done?: number;
  readonly total?: number;
}

/** The stage a row name belongs to: `ridge[alpha=0.1]` → `ridge`. */
export function baseOf(name: string): string {
  const bracket = name.indexOf("[");
  return bracket < 0 ? name : name.slice(0, bracket);
}

/**
 * Seconds left of a running row: from its earlier entries' duration (`expected`) while little is
 * done, from its own rate once a third of it is; undefined while neither is known.
 */
export function stageEta(row: RowProgress, expected: number | undefined, now: number): number | undefined {
  if (row.startedAt === undefined) return expected;
  const elapsed = (now - row.startedAt) / 1000;
  const fraction = row.total !== undefined && row.total > 0 && row.done !== undefined ? Math.min(1, row.done / row.total) : 0;
  const byRate = fraction > 0.05 && elapsed > 1 ? (elapsed * (1 - fraction)) / fraction : undefined;
  const byHistory = expected !== undefined && expected > elapsed ? expected - elapsed : undefined;
  if (byHistory !== undefined && (fraction < 1 / 3 || byRate === undefined)) return byHistory;
  return byRate ?? (expected !== undefined ? 0 : undefined);
}

/**
 * `stages 3/6 · variants 9/18 · elapsed 1m12s · ETA ~40s`: stages whose every row settled,
 * settled rows (only when a sweep makes them more than the stages), time since the run began and
 * the time left: the rows still to settle at their earlier durations, spread over `jobs`. No ETA
 * while a row to come has no earlier entry.
 */
export function runStatusLine(rows: readonly RowProgress[], expected: Readonly<Record<string, number>>, elapsedSeconds: number, jobs: number, now: number): string {
  const bases = [...new Set(rows.map((r) => r.base))];
  const settledBases = bases.filter((b) => rows.every((r) => r.base !== b || r.state === "settled")).length;
  const parts = [`stages ${settledBases}/${bases.length}`];
  if (rows.length > bases.length) parts.push(`variants ${rows.filter((r) => r.state === "settled").length}/${rows.length}`);
  parts.push(`elapsed ${formatDuration(elapsedSeconds)}`);
  let left = 0;
  let known = true;
  for (const row of rows) {
    if (row.state === "settled") continue;
    const eta = stageEta(row, expected[row.base], now);
    if (eta === undefined) known = false;
    else left += eta;
  }
  const open = rows.some((r) => r.state !== "settled");
  if (open && known) parts.push(`ETA ~${formatDuration(left / Math.max(1, jobs))}`);
  return parts.join(" · ");
}
