// Stage select: picks the best k variants of a fan-in (`candidates: STAGE[*]:metrics.json`) by a declared validation metric.
//
// params.metric names the metric (e.g. mrr_batch100), params.goal max | min, params.top how many
// to keep (ties keep the earlier variant). selected.json records the metric, the chosen variants
// (names, swept values, params) and the table of every candidate; metrics.json holds the chosen
// value, the candidate count and each candidate's value under `<variant> <metric>`.
import { readFileSync, writeFileSync } from "node:fs";
import { StageError, choiceParam, depList, outPath, param, reportProgress, runStage, writeMetrics } from "./lib/protocol/job.js";

runStage((job) => {
  const metric = param(job, "metric", "mrr_batch100");
  const goal = choiceParam(job, "goal", ["max", "min"] as const, "max");
  const top = param(job, "top", 1);
  if (!(Number.isInteger(top) && top >= 1)) throw new StageError(`stage ${job.stage}: params.top must be an integer ≥ 1, got ${top}`);
  const members = depList(job, "candidates");
  reportProgress(0, members.length, "read");
  const table = members.map((member) => {
    const metrics = JSON.parse(readFileSync(member.path, "utf8")) as Record<string, unknown>;
    const value = metrics[metric];
    if (typeof value !== "number" || !Number.isFinite(value)) {
      throw new StageError(`stage ${job.stage}: ${member.stage} reports no finite "${metric}" in ${member.path} (it has: ${Object.keys(metrics).join(", ")})`);
    }
    return { stage: member.stage, variant: member.variant, params: member.params, value };
  });
  const order = table.map((_, i) => i).sort((a, b) => {
    const d = (table[b] as { value: number }).value - (table[a] as { value: number }).value;
    return (goal === "max" ? d : -d) || a - b;
  });
  const chosen = order.slice(0, top).map((i) => table[i] as (typeof table)[number]);
  writeFileSync(outPath(job, "selected.json"), JSON.stringify({ metric, goal, chosen, candidates: table }, null, 1) + "\n");
  const metrics: Record<string, number> = { [`selected_${metric}`]: (chosen[0] as { value: number }).value, candidates: table.length, chosen: chosen.length };
  for (const row of table) metrics[`${row.stage} ${metric}`] = row.value;
  reportProgress(members.length, members.length, "read");
  writeMetrics(job, metrics);
});
