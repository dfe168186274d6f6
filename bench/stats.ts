// Small helpers for benchmarks: repeated timing, medians, and a plain-text table.
import { execFileSync } from "node:child_process";

/** The median of a list of numbers. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Runs a command `times` times and returns each wall time in seconds. */
export function timeCommand(command: string, args: readonly string[], options: { cwd: string; times: number; env?: NodeJS.ProcessEnv }): number[] {
  const seconds: number[] = [];
  for (let i = 0; i < options.times; i++) {
    const started = performance.now();
    execFileSync(command, args as string[], { cwd: options.cwd, stdio: "ignore", env: { ...process.env, CI: "1", ...options.env } });
    seconds.push((performance.now() - started) / 1000);
  }
  return seconds;
}

/** Formats rows as an aligned text table (first row = header). */
export function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length))) ?? [];
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0))).join("  ")).join("\n");
}

export function fmt(seconds: number, digits = 3): string {
  return seconds.toFixed(digits);
}
