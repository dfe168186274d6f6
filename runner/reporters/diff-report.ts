// Prints `dag diff`: two variants side by side — differing params, every metric with its change, duration, other differences.
import { fitLine } from "./fit-width.js";
import { showParamValue } from "../param-values.js";
import { formatAge } from "../quantities.js";
import type { CatalogRow } from "../catalog.js";
import type { VariantDiff } from "../variant-diff.js";
import { formatDuration } from "./progress-line.js";
import { formatMetric, markSymbol, SHORT_KEY } from "./runs-table.js";

function signed(delta: number | undefined): string {
  if (delta === undefined) return "";
  if (delta === 0) return "=";
  return `${delta > 0 ? "+" : ""}${formatMetric(delta)}`;
}

function entryLabel(row: CatalogRow): string {
  return `${row.stage} ${row.key.slice(0, SHORT_KEY)}${row.current === undefined ? "" : ` ${markSymbol(row.current)}`}`;
}

/** The side-by-side text. */
export function diffText(diff: VariantDiff, now = Date.now(), width = Infinity): string {
  const rows: string[][] = [["", "A", "B", ""]];
  rows.push(["entry", entryLabel(diff.a), entryLabel(diff.b), ""]);
  rows.push(["params", diff.params.length === 0 ? "(the same)" : "", "", ""]);
  for (const p of diff.params) rows.push([`  ${p.name}`, showParamValue(p.a) || "(unset)", showParamValue(p.b) || "(unset)", ""]);
  rows.push(["metrics", diff.metrics.length === 0 ? "(none)" : "", "", "B − A"]);
  for (const m of diff.metrics) rows.push([`  ${m.name}`, formatMetric(m.a), formatMetric(m.b), signed(m.delta)]);
  rows.push(["time", diff.a.seconds === undefined ? "" : formatDuration(diff.a.seconds), diff.b.seconds === undefined ? "" : formatDuration(diff.b.seconds), ""]);
  rows.push(["ran", formatAge(diff.a.startedAt, now), formatAge(diff.b.startedAt, now), ""]);
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.filter((r) => r[1] !== "" || r[2] !== "" || i === 0).map((r) => (r[i] as string).length)));
  // Too narrow for the B − A column: it goes first (the two sides are the point), lines are cut at a word after that.
  const withDelta = (widths[0] as number) + (widths[1] as number) + (widths[2] as number) + (widths[3] as number) + 6 <= width;
  const lines = rows.map((r) => {
    const section = r[1] === "" && r[2] === "" && r[3] === "";
    if (section) return r[0] as string;
    return [(r[0] as string).padEnd(widths[0] as number), (r[1] as string).padEnd(widths[1] as number), (r[2] as string).padEnd(widths[2] as number), withDelta ? (r[3] as string) : ""].join("  ").trimEnd();
  });
  if (diff.other.length > 0) {
    lines.push("other differences (A → B):");
    for (const reason of diff.other) lines.push(`  - ${reason}`);
  }
  return lines.map((l) => fitLine(l, width)).join("\n") + "\n";
}

function side(row: CatalogRow): Record<string, unknown> {
  return { stage: row.stage, key: row.key, current: row.current ?? null, params: row.params, metrics: row.metrics, seconds: row.seconds ?? null, startedAt: row.startedAt };
}

/** `{"a":{…},"b":{…},"params":[{"name","a","b"}],"metrics":[{"name","a","b","delta"}],"other":[…]}`. */
export function diffJson(diff: VariantDiff): string {
  return JSON.stringify(
    {
      a: side(diff.a),
      b: side(diff.b),
      params: diff.params.map((p) => ({ name: p.name, a: p.a ?? null, b: p.b ?? null })),
      metrics: diff.metrics.map((m) => ({ name: m.name, a: m.a ?? null, b: m.b ?? null, delta: m.delta ?? null })),
      other: diff.other,
    },
    null,
    2,
  );
}
