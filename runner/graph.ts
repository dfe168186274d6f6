// The stage graph of a pipeline: topological order, cycles, upstream/downstream closures and stage selection.
import { err, ok, type Result } from "../cache/result.js";
import { didYouMeanHint } from "./config/did-you-mean.js";
import type { Pipeline } from "./pipeline.js";

/** Stage name → the stages it reads outputs of (each once, in dep order); keys in file order. */
export type StageGraph = ReadonlyMap<string, readonly string[]>;

/** The upstream edges of a pipeline's stages. */
export function stageGraph(p: Pipeline): StageGraph {
  const graph = new Map<string, string[]>();
  for (const [name, stage] of p.stages) {
    const upstream: string[] = [];
    for (const dep of stage.deps) if (dep.kind === "output" && !upstream.includes(dep.from)) upstream.push(dep.from);
    graph.set(name, upstream);
  }
  return graph;
}

/** Stage name → the stages that read its outputs, in graph key order. Edges to unknown stages are ignored. */
function downstreamGraph(graph: StageGraph): Map<string, string[]> {
  const down = new Map<string, string[]>();
  for (const name of graph.keys()) down.set(name, []);
  for (const [name, upstream] of graph) for (const up of upstream) down.get(up)?.push(name);
  return down;
}

/**
 * Every stage in an order where each comes after the stages it reads from; among stages that are
 * ready at the same time, file order decides. A loaded Pipeline has no cycle (loadPipeline rejects
 * them), so meeting one is a bug and throws.
 */
export function topoOrder(p: Pipeline): string[] {
  return topoOrderOf(stageGraph(p));
}

function topoOrderOf(graph: StageGraph): string[] {
  const names = [...graph.keys()];
  const waiting = new Map<string, number>();
  for (const [name, upstream] of graph) waiting.set(name, upstream.filter((up) => graph.has(up)).length);
  const down = downstreamGraph(graph);
  const done = new Set<string>();
  const order: string[] = [];
  while (order.length < names.length) {
    const next = names.find((name) => !done.has(name) && waiting.get(name) === 0);
    if (next === undefined) {
      const cycle = findCycles(graph)[0] ?? [];
      throw new Error(`the pipeline has a dependency cycle: ${formatCycle(cycle)}`);
    }
    done.add(next);
    order.push(next);
    for (const after of down.get(next) ?? []) waiting.set(after, (waiting.get(after) ?? 0) - 1);
  }
  return order;
}

/**
 * The dependency cycles of a graph, one per strongly connected group of stages. Each cycle lists
 * stages in data-flow order (each feeds the next, the last feeds the first), starting with the
 * group's first stage in graph order; a stage reading its own output is a cycle of one.
 */
export function findCycles(graph: StageGraph): string[][] {
  const order = new Map([...graph.keys()].map((name, index) => [name, index]));
  const down = downstreamGraph(graph);
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const groups: string[][] = [];
  let counter = 0;
  // Tarjan's strongly connected components, over downstream edges.
  const visit = (name: string): void => {
    index.set(name, counter);
    low.set(name, counter);
    counter++;
    stack.push(name);
    onStack.add(name);
    for (const next of down.get(name) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(name, Math.min(low.get(name) as number, low.get(next) as number));
      } else if (onStack.has(next)) {
        low.set(name, Math.min(low.get(name) as number, index.get(next) as number));
      }
    }
    if (low.get(name) === index.get(name)) {
      const group: string[] = [];
      let member: string;
      do {
        member = stack.pop() as string;
        onStack.delete(member);
        group.push(member);
      } while (member !== name);
      groups.push(group);
    }
  };
  for (const name of graph.keys()) if (!index.has(name)) visit(name);

  const cycles: string[][] = [];
  for (const group of groups) {
    const start = group.reduce((a, b) => ((order.get(a) as number) <= (order.get(b) as number) ? a : b));
    const selfLoop = (graph.get(start) ?? []).includes(start);
    if (group.length === 1 && !selfLoop) continue;
    cycles.push(selfLoop ? [start] : shortestCycle(start, new Set(group), down));
  }
  return cycles.sort((a, b) => (order.get(a[0] as string) as number) - (order.get(b[0] as string) as number));
}

/** The shortest path from `start` back to itself along downstream edges inside `group`. */
function shortestCycle(start: string, group: ReadonlySet<string>, down: ReadonlyMap<string, readonly string[]>): string[] {
  const previous = new Map<string, string>();
  const queue = [start];
  for (let i = 0; i < queue.length; i++) {
    const name = queue[i] as string;
    for (const next of down.get(name) ?? []) {
      if (!group.has(next)) continue;
      if (next === start) {
        const cycle = [name];
        while (cycle[0] !== start) cycle.unshift(previous.get(cycle[0] as string) as string);
        return cycle;
      }
      if (!previous.has(next)) {
        previous.set(next, name);
        queue.push(next);
      }
    }
  }
  return [start];
}

/** `a → b → c → a`: a cycle as printed in messages. */
export function formatCycle(cycle: readonly string[]): string {
  return [...cycle, cycle[0] ?? ""].join(" → ");
}

/** The named stages and every stage they read from, directly or not. */
export function upstreamOf(p: Pipeline, names: Iterable<string>): Set<string> {
  return closure(stageGraph(p), names);
}

/** The named stages and every stage that reads from them, directly or not. */
export function downstreamOf(p: Pipeline, names: Iterable<string>): Set<string> {
  return closure(downstreamGraph(stageGraph(p)), names);
}

function closure(edges: ReadonlyMap<string, readonly string[]>, names: Iterable<string>): Set<string> {
  const seen = new Set<string>();
  const queue = [...names];
  for (let i = 0; i < queue.length; i++) {
    const name = queue[i] as string;
    if (seen.has(name)) continue;
    seen.add(name);
    for (const next of edges.get(name) ?? []) if (!seen.has(next)) queue.push(next);
  }
  return seen;
}

/** A stage name on the command line that the pipeline does not have. */
export interface UnknownStage {
  readonly reason: "unknown-stage";
  readonly name: string;
  /** `did you mean "ridge"?` when a stage has a close name. */
  readonly hint?: string;
}

/**
 * The stages to consider, in topological order: all of them with neither option (or no targets); with `targets`,
 * those stages and everything upstream of them; with `until`, that stage and everything upstream
 * of it (both options together: the union). A stage's name as written in the file stands for all
 * of its sweep variants; a variant's own name (`ridge[alpha=0.01]`) for that variant alone.
 */
export function selectStages(p: Pipeline, options: { targets?: readonly string[]; until?: string } = {}): Result<string[], UnknownStage> {
  const wanted = [...(options.targets ?? []), ...(options.until === undefined ? [] : [options.until])];
  const names: string[] = [];
  for (const name of wanted) {
    const matches = matchingStages(p, name);
    if (matches.length === 0) {
      const hint = didYouMeanHint(name, new Set([...[...p.stages.values()].map((stage) => stage.base), ...p.stages.keys()]));
      return err({ reason: "unknown-stage", name, ...(hint === undefined ? {} : { hint }) });
    }
    names.push(...matches);
  }
  const order = topoOrder(p);
  if (wanted.length === 0) return ok(order);
  const selected = upstreamOf(p, names);
  return ok(order.filter((name) => selected.has(name)));
}

/** The stages a name on the command line means: a stage (or variant) name itself, else every variant of that stage. */
export function matchingStages(p: Pipeline, name: string): string[] {
  return p.stages.has(name) ? [name] : [...p.stages.values()].filter((stage) => stage.base === name).map((stage) => stage.name);
}

/**
 * The pipeline's stages (names as in the file) in dependency order: all of them, or those named in
 * `targets` (a variant's name stands for its stage).
 */
export function baseStages(p: Pipeline, targets: readonly string[]): Result<string[], UnknownStage> {
  const order: string[] = [];
  for (const name of topoOrder(p)) {
    const base = p.stages.get(name)?.base ?? name;
    if (!order.includes(base)) order.push(base);
  }
  if (targets.length === 0) return ok(order);
  const wanted = new Set<string>();
  for (const target of targets) {
    const base = order.includes(target) ? target : p.stages.get(target)?.base;
    if (base === undefined) {
      const hint = didYouMeanHint(target, order);
      return err({ reason: "unknown-stage", name: target, ...(hint === undefined ? {} : { hint }) });
    }
    wanted.add(base);
  }
  return ok(order.filter((name) => wanted.has(name)));
}
