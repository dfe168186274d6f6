// Draws the pipeline graph for `dag report` as inline SVG: stages in columns by depth, edges from outputs to inputs.
import type { Pipeline } from "../pipeline.js";

const NODE_W = 178;
const NODE_H = 50;
const COL_GAP = 64;
const ROW_GAP = 18;
const PAD = 12;

/** Escapes text for HTML and SVG. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/**
 * The graph of the pipeline's stages as written in the file (variants folded into their stage,
 * with their count), left to right: a stage's column is the length of the longest path to it.
 */
export function pipelineGraphSvg(p: Pipeline): string {
  const bases: string[] = [];
  const variants = new Map<string, number>();
  const modules = new Map<string, string>();
  const upstream = new Map<string, Set<string>>();
  for (const spec of p.stages.values()) {
    if (!bases.includes(spec.base)) bases.push(spec.base);
    variants.set(spec.base, (variants.get(spec.base) ?? 0) + 1);
    modules.set(spec.base, spec.module);
    const ups = upstream.get(spec.base) ?? new Set<string>();
    for (const dep of spec.deps) if (dep.kind === "output") ups.add(dep.stage);
    upstream.set(spec.base, ups);
  }
  const depth = new Map<string, number>();
  const depthOf = (name: string, seen: Set<string> = new Set()): number => {
    const known = depth.get(name);
    if (known !== undefined) return known;
    if (seen.has(name)) return 0;
    seen.add(name);
    const d = Math.max(-1, ...[...(upstream.get(name) ?? [])].map((u) => depthOf(u, seen))) + 1;
    depth.set(name, d);
    return d;
  };
  const columns: string[][] = [];
  for (const name of bases) (columns[depthOf(name)] ??= []).push(name);
  const position = new Map<string, { x: number; y: number }>();
  columns.forEach((column, c) => column.forEach((name, r) => position.set(name, { x: PAD + c * (NODE_W + COL_GAP), y: PAD + r * (NODE_H + ROW_GAP) })));
  const width = PAD * 2 + columns.length * NODE_W + Math.max(0, columns.length - 1) * COL_GAP;
  const height = PAD * 2 + Math.max(...columns.map((c) => c.length)) * (NODE_H + ROW_GAP) - ROW_GAP;

  const edges: string[] = [];
  for (const name of bases) {
    const to = position.get(name) as { x: number; y: number };
    for (const up of upstream.get(name) ?? []) {
      const from = position.get(up);
      if (from === undefined) continue;
      const x1 = from.x + NODE_W;
      const y1 = from.y + NODE_H / 2;
      const x2 = to.x;
      const y2 = to.y + NODE_H / 2;
      const bend = Math.max(24, (x2 - x1) / 2);
      edges.push(`<path class="edge" d="M${x1},${y1} C${x1 + bend},${y1} ${x2 - bend},${y2} ${x2},${y2}" marker-end="url(#arrow)"/>`);
    }
  }
  const nodes = bases.map((name) => {
    const { x, y } = position.get(name) as { x: number; y: number };
    const count = variants.get(name) ?? 1;
    const sub = count > 1 ? `${count} variants · ${modules.get(name) ?? ""}` : (modules.get(name) ?? "");
    return [
      `<g class="node${count > 1 ? " swept" : ""}" data-stage="${escapeHtml(name)}">`,
      `<rect x="${x}" y="${y}" width="${NODE_W}" height="${NODE_H}" rx="7"/>`,
      `<text class="name" x="${x + 10}" y="${y + 21}">${escapeHtml(name)}</text>`,
      `<text class="sub" x="${x + 10}" y="${y + 38}">${escapeHtml(sub.length > 30 ? `${sub.slice(0, 29)}…` : sub)}</text>`,
      `</g>`,
    ].join("");
  });
  return [
    `<svg class="graph" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="pipeline graph">`,
    `<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#7a8594"/></marker></defs>`,
    ...edges,
    ...nodes,
    `</svg>`,
  ].join("\n");
}
