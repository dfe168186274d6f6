// The pipeline graph as nodes with states and edges (pure), for `dag graph`: sweep variants folded into their stage, or one node each.
import type { Pipeline } from "./pipeline.js";
import type { StageState, StageStatus } from "./stage-states.js";

/** One box of the graph: a stage (its variants folded in) or one variant. */
export interface GraphNode {
  readonly name: string;
  /** The worst state among its variants: never run, then stale, then cached. */
  readonly state: StageState;
  /** `3 variants: 2 cached, 1 stale`, or the stale reasons of a single row. */
  readonly detail: string;
}

export interface GraphView {
  /** In dependency order. */
  readonly nodes: readonly GraphNode[];
  /** [upstream, downstream] by node name, each once. */
  readonly edges: readonly (readonly [string, string])[];
}

const WORST: readonly StageState[] = ["never run", "stale", "cached"];

/** The graph of the (sweep-expanded) pipeline's rows in `order`, folded by stage unless `variants`. */
export function graphView(p: Pipeline, states: readonly StageStatus[], variants: boolean): GraphView {
  const nodeOf = (row: string): string => (variants ? row : (p.stages.get(row)?.base ?? row));
  const groups = new Map<string, StageStatus[]>();
  for (const s of states) groups.set(nodeOf(s.name), [...(groups.get(nodeOf(s.name)) ?? []), s]);
  const nodes: GraphNode[] = [...groups].map(([name, rows]) => {
    const state = WORST.find((w) => rows.some((r) => r.state === w)) ?? "cached";
    // A cached row's "reasons" only say an earlier entry will be restored: not news in a graph.
    if (rows.length === 1) return { name, state, detail: state === "cached" ? "" : (rows[0] as StageStatus).reasons.join("; ") };
    const counts = WORST.map((w) => [w, rows.filter((r) => r.state === w).length] as const).filter(([, n]) => n > 0);
    return { name, state, detail: `${rows.length} variants: ${counts.map(([w, n]) => `${n} ${w}`).join(", ")}` };
  });
  const edges: [string, string][] = [];
  const seen = new Set<string>();
  for (const s of states) {
    for (const dep of p.stages.get(s.name)?.deps ?? []) {
      if (dep.kind !== "output" || !groups.has(nodeOf(dep.from))) continue;
      const edge: [string, string] = [nodeOf(dep.from), nodeOf(s.name)];
      const id = edge.join("\0");
      if (seen.has(id)) continue;
      seen.add(id);
      edges.push(edge);
    }
  }
  return { nodes, edges };
}
