// Formats a stage's live progress as one line: a bar with step counts, the phase, headline numbers, ETA.
import { headlineMetrics } from "../declarations.js";

/** A compact, human number: 0.41236 → 0.412, 12345.6 → 12346. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e6)) return value.toExponential(2);
  if (abs >= 100) return value.toFixed(0);
  return Number(value.toPrecision(3)).toString();
}

/** Seconds as `42s`, `3m05s` or `1h02m`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "?";
  if (seconds < 10) return `${seconds.toFixed(1)}s`;
  if (seconds < 60) return `${Math.round(seconds)}s`;
  const m = Math.floor(seconds / 60);
  if (m < 60) return `${m}m${String(Math.round(seconds - m * 60)).padStart(2, "0")}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}

/** `[██████░░░░░░]` for done/total, width cells. */
export function progressBar(done: number, total: number, width = 20): string {
  const fraction = total > 0 ? Math.min(1, Math.max(0, done / total)) : 0;
  const full = Math.round(fraction * width);
  return `[${"█".repeat(full)}${"░".repeat(width - full)}]`;
}

/** Headline numbers as `loss 0.41 val MRR 0.53`. */
export function formatValues(values: Readonly<Record<string, number>> | undefined): string {
  if (values === undefined) return "";
  return Object.entries(values)
    .map(([k, v]) => `${k} ${formatNumber(v)}`)
    .join(" ");
}

/** A stage's headline metrics (see declarations.ts) as `mrr_full 0.41 mrr_batch100 0.9`. */
export function headlineValues(metrics: Readonly<Record<string, number>>, declared: readonly string[]): string {
  return formatValues(Object.fromEntries(headlineMetrics(Object.keys(metrics), declared).map((k) => [k, metrics[k] as number])));
}

/**
 * A running stage's line: `[██████░░░░] 41% epoch 2/4 · 4.1s · ETA ~6s · loss 0.89 val MRR 0.427`.
 * done/total cover the whole stage (stages/lib/protocol/progress.ts); `phase` says where it is.
 */
export function progressLine(
  p: { done: number; total: number; phase?: string | undefined; values?: Readonly<Record<string, number>> | undefined },
  eta: number | undefined,
  options: { elapsed?: number; barWidth?: number } = {},
): string {
  const percent = p.total > 0 ? Math.floor((100 * Math.min(p.done, p.total)) / p.total) : 0;
  const parts = [`${progressBar(p.done, p.total, options.barWidth ?? 20)} ${percent}%${p.phase ? ` ${p.phase}` : ""}`];
  if (options.elapsed !== undefined) parts.push(formatDuration(options.elapsed));
  if (eta !== undefined) parts.push(`ETA ~${formatDuration(eta)}`);
  // The numbers last: a narrow terminal cuts them before the time left.
  const values = formatValues(p.values);
  if (values) parts.push(values);
  return parts.join(" · ");
}
