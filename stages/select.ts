// Stage select: picks the best k candidates (plain inputs, then the variants of a fan-in) by a declared validation metric.
//
// Candidates, in order: every plain input (a metrics.json, named by its input name, e.g.
// `ridge: ridge:metrics.json`) as pipeline.yaml lists them, then each member of the fan-in
// `candidates: STAGE[*]:metrics.json` in variant order. params.metric names the metric (e.g.
// mrr_batch100), or a list of metrics whose mean is compared; params.goal max | min, params.top
// how many to keep. Ties keep the earlier candidate, so list the simplest first; with params.margin a
// later candidate replaces the one kept so far only when it is better by more than that. selected.json
// records the metric, the chosen (names, swept values, params, value, their whole metrics), the
// table of every candidate and a sentence saying why; metrics.json holds the chosen value, the
// candidate count and each candidate's value under `<candidate> <metric>`.
import { readFileSync, writeFileSync } from "node:fs";
import { StageError, choiceParam, outPath, param, reportProgress, runStage, writeMetrics, type Job } from "./lib/protocol/job.js";

/** One candidate's metrics file and where it comes from. */
interface Source {
  readonly stage: string;
  readonly variant: Readonly<Record<string, unknown>>;
  readonly params: Readonly<Record<string, unknown>>;
  readonly path: string;
}

/** params.metric: one metric name or a non-empty list of them (compared by their mean). */
function metricsParam(job: Job): string[] {
  const raw = job.params["metric"] ?? "mrr_batch100";
  const list = typeof raw === "string" ? [raw] : raw;
  if (!Array.isArray(list) || list.length === 0 || !list.every((m) => typeof m === "string" && m.length > 0)) {
    throw new StageError(`stage ${job.stage}: params.metric must be a metric name or a non-empty list of them, got ${JSON.stringify(raw)}`);
  }
  return list as string[];
}

/** The plain inputs, in pipeline.yaml's order, then the fan-in members. */
function sources(job: Job): Source[] {
  const plain = Object.entries(job.deps).map(([name, file]): Source => ({ stage: name, variant: {}, params: {}, path: file }));
  const fanIn = job.fanIn?.["candidates"] ?? [];
  const extra = Object.keys(job.fanIn ?? {}).filter((name) => name !== "candidates");
  if (extra.length > 0) throw new StageError(`stage ${job.stage}: the fan-in input must be named "candidates", got ${extra.join(", ")}`);
  const all = [...plain, ...fanIn];
  if (all.length === 0) throw new StageError(`stage ${job.stage}: no candidates (declare inputs NAME: STAGE:metrics.json or candidates: STAGE[*]:metrics.json)`);
  return all;
}

runStage((job) => {
  const metrics = metricsParam(job);
  const metric = metrics.length === 1 ? (metrics[0] as string) : `mean(${metrics.join(", ")})`;
  const key = metrics.length === 1 ? metric : "mean";
  const goal = choiceParam(job, "goal", ["max", "min"] as const, "max");
  const top = param(job, "top", 1);
  if (!(Number.isInteger(top) && top >= 1)) throw new StageError(`stage ${job.stage}: params.top must be an integer ≥ 1, got ${top}`);
  const margin = param(job, "margin", 0);
  if (!(margin >= 0)) throw new StageError(`stage ${job.stage}: params.margin must be a number ≥ 0, got ${margin}`);
  const members = sources(job);
  reportProgress(0, members.length, "read");
  const table = members.map((member) => {
    const all = JSON.parse(readFileSync(member.path, "utf8")) as Record<string, unknown>;
    let sum = 0;
    const parts: Record<string, number> = {};
    for (const m of metrics) {
      const value = all[m];
      if (typeof value !== "number" || !Number.isFinite(value)) {
        throw new StageError(`stage ${job.stage}: ${member.stage} reports no finite "${m}" in ${member.path} (it has: ${Object.keys(all).join(", ")})`);
      }
      parts[m] = value;
      sum += value;
    }
    return { stage: member.stage, variant: member.variant, params: member.params, value: sum / metrics.length, ...(metrics.length > 1 ? { parts } : {}), metrics: all };
  });
  const better = (a: number, b: number): number => (goal === "max" ? b - a : a - b);
  // The first pick: in listed order, a candidate replaces the one kept so far only when it is better by more than the margin.
  let firstIndex = 0;
  table.forEach((row, i) => {
    if (better((table[firstIndex] as (typeof table)[number]).value, row.value) > margin) firstIndex = i;
  });
  const rest = table.map((_, i) => i).filter((i) => i !== firstIndex).sort((a, b) => better((table[a] as { value: number }).value, (table[b] as { value: number }).value) || a - b);
  const order = [firstIndex, ...rest];
  const chosen = order.slice(0, top).map((i) => table[i] as (typeof table)[number]);
  const first = chosen[0] as (typeof table)[number];
  // Listed after the first and within the margin of it (equal, with no margin): kept out as the less simple.
  const ties = table.filter((row, i) => i > firstIndex && Math.abs(better(first.value, row.value)) <= margin).map((row) => row.stage);
  const runnerUp = table[order[1] ?? -1];
  const within = margin > 0 ? `within the margin ${margin} of` : "ties";
  const why =
    table.length === 1
      ? `${first.stage} is the only candidate`
      : ties.length > 0
        ? `${first.stage} ${within} ${ties.join(", ")} on ${metric} (${first.value}) and is listed first (the simpler)`
        : `${first.stage} has the ${goal === "max" ? "highest" : "lowest"} ${metric}: ${first.value} against ${runnerUp?.value} (${runnerUp?.stage})`;
  writeFileSync(outPath(job, "selected.json"), JSON.stringify({ metric, goal, why, chosen, candidates: table.map(({ metrics: _, ...row }) => row) }, null, 1) + "\n");
  const out: Record<string, number> = { [`selected_${key}`]: first.value, candidates: table.length, chosen: chosen.length };
  for (const row of table) out[`${row.stage} ${key}`] = row.value;
  reportProgress(members.length, members.length, "read");
  writeMetrics(job, out);
});
