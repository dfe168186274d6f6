// Prints `dag status`: a row per stage with its state, last duration and headline metrics, then the reasons.
import type { StageStatus } from "../stage-states.js";
import { formatDuration, formatValues } from "./progress-line.js";

/** The JSON shape scripts read: {"stages":[{"name","state","reasons","outputs","metrics","seconds"}]}. */
export function statusJson(states: readonly StageStatus[]): string {
  return JSON.stringify(
    {
      stages: states.map((s) => ({
        name: s.name,
        state: s.state,
        reasons: s.reasons,
        outputs: s.outputs,
        metrics: s.metrics,
        seconds: s.seconds ?? null,
        meta: s.meta,
      })),
    },
    null,
    2,
  );
}

function headline(metrics: Readonly<Record<string, number>>): string {
  const keys = Object.keys(metrics).filter((k) => /^(test_)?mrr_/.test(k));
  const chosen = keys.length > 0 ? keys : Object.keys(metrics).slice(0, 3);
  return formatValues(Object.fromEntries(chosen.map((k) => [k, metrics[k] as number])));
}

/** The human table. */
export function statusTable(states: readonly StageStatus[]): string {
  const width = Math.max(5, ...states.map((s) => s.name.length));
  const lines = [`${"stage".padEnd(width)}  ${"state".padEnd(9)}  ${"last".padStart(7)}  metrics`];
  for (const s of states) {
    const seconds = s.seconds === undefined ? "-" : formatDuration(s.seconds);
    const facts = ["backend", "kernels"].map((k) => s.meta[k]).filter((v): v is string => typeof v === "string");
    const backend = facts.length > 0 ? `  [${facts.join(" · ")}]` : "";
    lines.push(`${s.name.padEnd(width)}  ${s.state.padEnd(9)}  ${seconds.padStart(7)}  ${headline(s.metrics)}${backend}`.trimEnd());
    for (const reason of s.reasons) lines.push(`${" ".repeat(width)}    - ${reason}`);
  }
  return lines.join("\n") + "\n";
}
