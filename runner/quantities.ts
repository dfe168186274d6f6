// Durations and sizes as typed on the command line (`7d`, `12h`, `500M`, `2GiB`) and as printed (`1.2 GiB`).
import { err, ok, type Result } from "../cache/result.js";

const DURATION_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };
const SIZE_UNITS: Record<string, number> = { "": 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** `90s`, `30m`, `12h`, `7d`, `2w` (a bare number is days) → seconds. */
export function parseDuration(text: string): Result<number, string> {
  const match = /^(\d+(?:\.\d+)?)\s*([smhdw]?)$/i.exec(text.trim());
  if (match === null) return err(`"${text}" is not a duration; write e.g. 30m, 12h, 7d or 2w`);
  return ok(Number(match[1]) * (DURATION_UNITS[(match[2] || "d").toLowerCase()] as number));
}

/** `1048576`, `500K`, `500M`, `2G`, `1.5GiB`, `2GB` (K, M, G, T are powers of 1024) → bytes. */
export function parseSize(text: string): Result<number, string> {
  const match = /^(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?$/i.exec(text.trim());
  if (match === null) return err(`"${text}" is not a size; write e.g. 500M, 2G or 1.5GiB`);
  return ok(Math.floor(Number(match[1]) * (SIZE_UNITS[(match[2] ?? "").toLowerCase()] as number)));
}

/** Bytes as `812 B`, `4.2 KiB`, `1.3 GiB`. */
export function formatSize(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

/** How long ago an ISO time was, in words: `just now`, `5m ago`, `3h ago`, `2d ago`. */
export function formatAge(iso: string, now = Date.now()): string {
  const seconds = (now - Date.parse(iso)) / 1000;
  if (!Number.isFinite(seconds)) return "?";
  if (seconds < 60) return "just now";
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)}h ago`;
  return `${Math.floor(seconds / 86_400)}d ago`;
}
