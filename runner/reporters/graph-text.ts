// `dag graph` output: the graph as an indented tree for the terminal (extra upstream edges named), as Graphviz dot, or as Mermaid.
import type { GraphView } from "../graph-view.js";
import type { StageState } from "../stage-states.js";
import { oneLine } from "./terminal-text.js";

const MARK: Record<StageState, string> = { cached: "✔", stale: "●", "never run": "○" };
const FILL: Record<StageState, string> = { cached: "#c8e6c9", stale: "#ffe0b2", "never run": "#e0e0e0" };

/**
 * The graph as a tree: each node under its last upstream node in dependency order (the one it waits
 * on longest), its other upstream nodes named after it (`◀ also load, ridge`), each node once.
 *
 *     ✔ load  cached
 *     ├─▶ ✔ pca  cached
 *     │   └─▶ ✔ baseline-eval  cached
 *     └─▶ ● ridge  stale: params.alpha 0.03 → 0.1
 */
export function graphText(view: GraphView, width = 100): string {
  const order = view.nodes.map((n) => n.name);
  const ups = new Map<string, string[]>(order.map((n) => [n, []]));
  for (const [from, to] of view.edges) ups.get(to)?.push(from);
  const parent = new Map<string, string>();
  const children = new Map<string, string[]>(order.map((n) => [n, []]));
  for (const name of order) {
    const mine = ups.get(name) ?? [];
    const last = [...mine].sort((a, b) => order.indexOf(b) - order.indexOf(a))[0];
    if (last !== undefined) {
      parent.set(name, last);
      children.get(last)?.push(name);
    }
  }
  const byName = new Map(view.nodes.map((n) => [n.name, n]));
  const lines: string[] = [];
  const line = (name: string, prefix: string, branch: string): void => {
    const node = byName.get(name);
    if (node === undefined) return;
    const also = (ups.get(name) ?? []).filter((u) => u !== parent.get(name));
    const text = `${prefix}${branch}${MARK[node.state]} ${name}  ${node.state}${node.detail ? `: ${node.detail}` : ""}${also.length > 0 ? `  ◀ also ${also.join(", ")}` : ""}`;
    lines.push(fit(oneLine(text), width));
  };
  const walk = (name: string, prefix: string, branch: string, childPrefix: string): void => {
    line(name, prefix, branch);
    const kids = children.get(name) ?? [];
    kids.forEach((kid, i) => {
      const lastKid = i === kids.length - 1;
      walk(kid, childPrefix, lastKid ? "└─▶ " : "├─▶ ", childPrefix + (lastKid ? "    " : "│   "));
    });
  };
  for (const root of order.filter((n) => !parent.has(n))) walk(root, "", "", "");
  lines.push("", `✔ cached  ● stale  ○ never run${view.edges.length > 0 ? "  (◀ also: other stages it reads)" : ""}`);
  return lines.join("\n") + "\n";
}

/** Cuts a line to `width` columns at a word boundary, ending in `…`. */
function fit(text: string, width: number): string {
  const chars = [...text];
  if (chars.length <= width) return text;
  const cut = chars.slice(0, Math.max(1, width - 1)).join("");
  const space = cut.lastIndexOf(" ");
  return `${space > width / 2 ? cut.slice(0, space) : cut}…`;
}

function quoted(text: string): string {
  return `"${text.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`;
}

/** Graphviz dot, left to right, nodes filled by state. */
export function graphDot(view: GraphView): string {
  const lines = ["digraph dag {", "  rankdir=LR;", '  node [shape=box, style="rounded,filled", fontname="sans-serif"];'];
  for (const n of view.nodes) lines.push(`  ${quoted(n.name)} [label=${quoted(`${n.name}\n${n.state}${n.detail && n.detail.includes("variants") ? `\n${n.detail}` : ""}`)}, fillcolor=${quoted(FILL[n.state])}];`);
  for (const [from, to] of view.edges) lines.push(`  ${quoted(from)} -> ${quoted(to)};`);
  lines.push("}");
  return lines.join("\n") + "\n";
}

/** Mermaid flowchart, left to right, a class per state. */
export function graphMermaid(view: GraphView): string {
  const id = new Map(view.nodes.map((n, i) => [n.name, `n${i}`]));
  const cls: Record<StageState, string> = { cached: "cached", stale: "stale", "never run": "never" };
  const label = (text: string): string => text.replace(/"/g, "#quot;").replace(/\[/g, "#91;").replace(/\]/g, "#93;");
  const lines = ["flowchart LR"];
  for (const n of view.nodes) lines.push(`  ${id.get(n.name)}["${label(n.name)}<br/>${n.state}${n.detail.includes("variants") ? `<br/>${label(n.detail)}` : ""}"]:::${cls[n.state]}`);
  for (const [from, to] of view.edges) lines.push(`  ${id.get(from)} --> ${id.get(to)}`);
  for (const s of Object.keys(FILL) as StageState[]) lines.push(`  classDef ${cls[s]} fill:${FILL[s]},stroke:#555`);
  return lines.join("\n") + "\n";
}
