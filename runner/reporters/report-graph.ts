// The pipeline graph of `dag report`: its nodes (coloured by state) and edges as page data, laid out in the page by dagre (inlined).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import type { GraphView } from "../graph-view.js";
import type { Pipeline } from "../pipeline.js";

/** Escapes text for HTML and SVG. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** What the page draws: a box per stage (variants folded in), an edge per stage it reads. */
export interface GraphData {
  readonly nodes: readonly { readonly name: string; readonly state: string; readonly sub: string }[];
  readonly edges: readonly (readonly [string, string])[];
}

/** The page's graph: each node's state, and its module or variant counts as the second line. */
export function graphData(view: GraphView, p: Pipeline): GraphData {
  const moduleOf = new Map([...p.stages.values()].map((s) => [s.base, s.module]));
  return {
    nodes: view.nodes.map((n) => ({ name: n.name, state: n.state, sub: n.detail.includes("variants") ? n.detail : (moduleOf.get(n.name) ?? "") })),
    edges: view.edges,
  };
}

/** dagre's browser build (graphlib inside), read from its installed package and inlined: the page needs no network. */
export function dagreScript(): string {
  const require = createRequire(import.meta.url);
  // The package exports only its modules and package.json: the browser build is found beside the latter.
  const root = path.dirname(require.resolve("@dagrejs/dagre/package.json"));
  return readFileSync(path.join(root, "dist", "dagre.min.js"), "utf8").replace(/\/\/# sourceMappingURL=.*$/m, "");
}

/**
 * Browser JavaScript (ES2017): lays out data.graph with dagre (left to right, edges routed around
 * the boxes), draws it as SVG into #graph scaled to the page's width, and records how many edges it
 * drew in body[data-edges-drawn].
 */
export const GRAPH_SCRIPT = String.raw`(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("report-data").textContent).graph;
  var host = document.getElementById("graph");
  if (!host || !window.dagre) return;
  var NS = "http://www.w3.org/2000/svg";
  var W = 190, H = 50;
  var g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: "LR", nodesep: 22, ranksep: 70, edgesep: 14, marginx: 12, marginy: 12 });
  g.setDefaultEdgeLabel(function () { return {}; });
  data.nodes.forEach(function (n) { g.setNode(n.name, { width: W, height: H }); });
  data.edges.forEach(function (e) { g.setEdge(e[0], e[1]); });
  dagre.layout(g);
  // The drawing's bounds: every box and every routed edge point (a long edge may bend outside the ranks' rows).
  var minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  var grow = function (x, y) { minX = Math.min(minX, x); minY = Math.min(minY, y); maxX = Math.max(maxX, x); maxY = Math.max(maxY, y); };
  g.nodes().forEach(function (v) { var b = g.node(v); grow(b.x - W / 2, b.y - H / 2); grow(b.x + W / 2, b.y + H / 2); });
  g.edges().forEach(function (e) { g.edge(e).points.forEach(function (p) { grow(p.x, p.y); }); });
  var pad = 12;
  var svg = document.createElementNS(NS, "svg");
  svg.setAttribute("class", "graph");
  svg.setAttribute("viewBox", [minX - pad, minY - pad, maxX - minX + 2 * pad, maxY - minY + 2 * pad].map(function (v) { return v.toFixed(1); }).join(" "));
  svg.setAttribute("width", String(Math.ceil(maxX - minX + 2 * pad)));
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", "pipeline graph");
  var el = function (name, attrs, parent) {
    var node = document.createElementNS(NS, name);
    Object.keys(attrs).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    (parent || svg).appendChild(node);
    return node;
  };
  var defs = el("defs", {});
  var marker = el("marker", { id: "arrow", viewBox: "0 0 10 10", refX: "9", refY: "5", markerWidth: "7", markerHeight: "7", orient: "auto-start-reverse" }, defs);
  el("path", { d: "M0,0 L10,5 L0,10 z", fill: "#6b7785" }, marker);
  var edges = 0;
  g.edges().forEach(function (e) {
    var pts = g.edge(e).points;
    var d = "M" + pts[0].x.toFixed(1) + "," + pts[0].y.toFixed(1);
    for (var i = 1; i < pts.length; i++) d += " L" + pts[i].x.toFixed(1) + "," + pts[i].y.toFixed(1);
    el("path", { "class": "edge", d: d, "data-from": e.v, "data-to": e.w, "marker-end": "url(#arrow)" });
    edges++;
  });
  data.nodes.forEach(function (n) {
    var box = g.node(n.name);
    var x = box.x - W / 2, y = box.y - H / 2;
    var group = el("g", { "class": "node state-" + n.state.replace(/ /g, "-"), "data-stage": n.name, "data-box": [x, y, W, H].map(function (v) { return v.toFixed(1); }).join(",") });
    el("rect", { x: x.toFixed(1), y: y.toFixed(1), width: String(W), height: String(H), rx: "7" }, group);
    var name = el("text", { "class": "name", x: (x + 10).toFixed(1), y: (y + 21).toFixed(1) }, group);
    name.textContent = n.name + "  ·  " + n.state;
    var sub = el("text", { "class": "sub", x: (x + 10).toFixed(1), y: (y + 38).toFixed(1) }, group);
    sub.textContent = n.sub.length > 32 ? n.sub.slice(0, 31) + "…" : n.sub;
    var title = el("title", {}, group);
    title.textContent = n.name + ": " + n.state + (n.sub ? " (" + n.sub + ")" : "");
  });
  host.appendChild(svg);
  document.body.setAttribute("data-edges-drawn", String(edges));
})();
`;
