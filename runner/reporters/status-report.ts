// Prints `dag status`: a row per stage with its state, last duration and headline metrics, then the reasons.
import type { StageStatus } from "../stage-states.js";
import { fitLine } from "./fit-width.js";
import { formatDuration, headlineValues } from "./progress-line.js";

/** The JSON shape scripts read: {"stages":[{"name","state","reasons","outputs","metrics","seconds","meta","link","damage"}]}, and "jobs" while a cluster run goes on. */
export function statusJson(states: readonly StageStatus[], jobs: readonly object[] = []): string {
  return JSON.stringify(
    {
      ...(jobs.length === 0 ? {} : { jobs }),
      stages: states.map((s) => ({
        name: s.name,
        state: s.state,
        reasons: s.reasons,
        outputs: s.outputs,
        metrics: s.metrics,
        seconds: s.seconds ?? null,
        meta: s.meta,
        link: s.link,
        damage: s.damage ?? null,
      })),
    },
    null,
    2,
  );
}

/** Where a link points, when that is not the row's own result: `artifacts/ridge → 3f2a1b4c5d (another entry; dag run re-links it)`. */
function linkLine(s: StageStatus): string | undefined {
  const { link } = s;
  switch (link.state) {
    case "current":
      return undefined;
    case "other":
      return `${link.path} → ${(link.key ?? "").slice(0, 10)} (another entry of ${s.name.replace(/\[.*$/, "")}; ${s.state === "cached" ? "dag run re-links it" : "dag run replaces it"})`;
    case "none":
      return s.state === "cached" ? `${link.path} is missing; dag run restores it` : undefined;
    case "broken":
      return `${link.path} does not point at a complete entry; dag run re-links it`;
  }
}

/** The human table, then the links that do not show today's results and the damaged entries met. */
export function statusTable(states: readonly StageStatus[], linksShown = "artifacts", maxWidth = Infinity): string {
  const width = Math.max(5, ...states.map((s) => s.name.length));
  const lines = [`${"stage".padEnd(width)}  ${"state".padEnd(9)}  ${"last".padStart(7)}  metrics`];
  for (const s of states) {
    const seconds = s.seconds === undefined ? "-" : formatDuration(s.seconds);
    const facts = ["backend", "kernels"].map((k) => s.meta[k]).filter((v): v is string => typeof v === "string");
    const backend = facts.length > 0 ? `  [${facts.join(" · ")}]` : "";
    lines.push(`${s.name.padEnd(width)}  ${s.state.padEnd(9)}  ${seconds.padStart(7)}  ${headlineValues(s.metrics, s.headline)}${backend}`.trimEnd());
    const link = linkLine(s);
    for (const reason of [...s.reasons, ...(link === undefined ? [] : [link])]) lines.push(`${" ".repeat(width)}    - ${reason}`);
  }
  const current = states.filter((s) => s.link.state === "current").length;
  lines.push(`links: ${linksShown}/ (${current} of ${states.length} show today's results)`);
  for (const s of states) if (s.damage !== undefined) lines.push(s.damage);
  return lines.map((l) => fitLine(l, maxWidth)).join("\n") + "\n";
}
