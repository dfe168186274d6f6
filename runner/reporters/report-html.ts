// Assembles the self-contained `dag report` page: styles, the graph, the metrics tables, the charts' data, uPlot and the drawing script inlined.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { ChartSpec } from "../report-data.js";
import type { StageCatalog } from "../catalog.js";
import { showParamValue } from "../param-values.js";
import { formatDuration } from "./progress-line.js";
import { dagreScript, escapeHtml, GRAPH_SCRIPT, type GraphData } from "./report-graph.js";
import { REPORT_SCRIPT } from "./report-script.js";
import { formatMetric, markSymbol, SHORT_KEY } from "./runs-table.js";

/** Everything on the page. */
export interface ReportPage {
  readonly title: string;
  readonly generatedAt: string;
  readonly graph: GraphData;
  readonly catalogs: readonly StageCatalog[];
  readonly curveCharts: readonly ChartSpec[];
  readonly sweepCharts: readonly ChartSpec[];
}

/** uPlot's minified script and styles, read from its installed package (inlined: the page needs no network). */
function uplotAssets(): { js: string; css: string } {
  const require = createRequire(import.meta.url);
  return {
    js: readFileSync(require.resolve("uplot/dist/uPlot.iife.min.js"), "utf8"),
    css: readFileSync(require.resolve("uplot/dist/uPlot.min.css"), "utf8"),
  };
}

const STYLE = `
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d232b; margin: 0; background: #fafbfc; }
main { max-width: 1320px; margin: 0 auto; padding: 18px 24px 60px; }
h1 { font-size: 22px; margin: 8px 0 2px; }
h2 { font-size: 17px; margin: 30px 0 10px; border-bottom: 1px solid #d9dee4; padding-bottom: 4px; }
h3 { font-size: 15px; margin: 20px 0 6px; }
h3 small, .meta { color: #5d6773; font-weight: normal; }
#graph svg { max-width: 100%; height: auto; display: block; }
.graph .node rect { stroke: #6b7785; stroke-width: 1.3; }
.graph .node.state-cached rect { fill: #dcefdc; }
.graph .node.state-stale rect { fill: #ffe6c4; }
.graph .node.state-never-run rect { fill: #eceff2; stroke-dasharray: 4 3; }
.legend-state span { display: inline-block; width: 12px; height: 12px; border: 1px solid #6b7785; border-radius: 3px; margin: 0 4px -2px 10px; }
.graph .name { font: 600 13px system-ui, sans-serif; fill: #1d232b; }
.graph .sub { font: 11px system-ui, sans-serif; fill: #5d6773; }
.graph .edge { fill: none; stroke: #9aa4b0; stroke-width: 1.4; }
table { border-collapse: collapse; font-size: 13px; background: #fff; max-width: 100%; }
th, td { padding: 4px 7px; border-bottom: 1px solid #e6e9ed; text-align: left; }
td.key { overflow-wrap: anywhere; }
body:not(.show-all) tr.other { display: none; }
.switch { margin: 10px 0; padding: 6px 10px; background: #fff; border: 1px solid #e1e5ea; border-radius: 6px; display: inline-block; }
th { background: #f1f3f6; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.key { font-family: ui-monospace, Menlo, Consolas, monospace; color: #3d4652; }
tr.yaml td { background: #f4f6f8; font-weight: 600; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(560px, 1fr)); gap: 18px; }
.chart { background: #fff; border: 1px solid #e1e5ea; border-radius: 6px; padding: 8px; min-height: 320px; min-width: 0; overflow: hidden; }
.chart .note { color: #8a5a00; font-size: 12px; margin: 4px 6px; }
.chart th, .chart td { white-space: normal; border-bottom: none; }
.legend-note { color: #5d6773; font-size: 12px; }
`;

function stageTable(catalog: StageCatalog): string {
  if (catalog.rows.length === 0) return `<h3>${escapeHtml(catalog.stage)} <small>no cached variant</small></h3>`;
  // Headers may break after _ and . (mrr_<wbr>batch100), never inside a word.
  const head = ["", "key", ...catalog.differing, ...catalog.metrics, "time", "ran"].map((h) => `<th>${escapeHtml(h).replace(/([_.])/g, "$1<wbr>")}</th>`).join("");
  const body = catalog.rows
    .map((row) => {
      const cells = [
        `<td title="${row.current === "yaml" ? "the pipeline file's variant" : row.current === "sweep" ? "a variant of its sweep" : ""}">${markSymbol(row.current)}</td>`,
        `<td class="key" title="${escapeHtml(row.key)}">${escapeHtml(row.key.slice(0, SHORT_KEY))}</td>`,
        ...catalog.differing.map((name) => `<td>${escapeHtml(showParamValue(row.params[name]))}</td>`),
        ...catalog.metrics.map((name) => `<td class="num">${escapeHtml(formatMetric(row.metrics[name]))}</td>`),
        `<td class="num">${row.seconds === undefined ? "" : escapeHtml(formatDuration(row.seconds))}</td>`,
        `<td>${escapeHtml(row.startedAt.replace("T", " ").slice(0, 19))}</td>`,
      ];
      return `<tr${row.current === "yaml" ? ' class="yaml"' : row.current === undefined ? ' class="other"' : ""}>${cells.join("")}</tr>`;
    })
    .join("\n");
  const count = catalog.rows.length === 1 ? "1 cached variant" : `${catalog.rows.length} cached variants`;
  const others = catalog.rows.filter((row) => row.current === undefined).length;
  const hidden = others > 0 ? ` <small class="others">(${others} not of this file's pipeline and sweep, shown by the switch above)</small>` : "";
  return `<h3>${escapeHtml(catalog.stage)} <small>${count}</small>${hidden}</h3>\n<div class="scroll"><table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table></div>`;
}

function chartGrid(charts: readonly ChartSpec[], offset: number): string {
  return `<div class="charts">${charts.map((chart, i) => `<div class="chart" id="chart-${offset + i}" data-title="${escapeHtml(chart.title)}"></div>`).join("")}</div>`;
}

/** Inline JSON that cannot close its script element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}

/** A script's text made safe inside a script element: a `</script` in it cannot end the element. */
function inlineScript(text: string): string {
  return text.replace(/<\/(script)/gi, "<\\/$1");
}

/** The whole page. */
export function reportHtml(page: ReportPage): string {
  const { js, css } = uplotAssets();
  const charts = [...page.curveCharts, ...page.sweepCharts];
  const total = page.catalogs.reduce((n, c) => n + c.rows.length, 0);
  const others = page.catalogs.reduce((n, c) => n + c.rows.filter((row) => row.current === undefined).length, 0);
  const sections: string[] = [
    `<h1>${escapeHtml(page.title)}</h1>`,
    `<p class="meta">generated ${escapeHtml(page.generatedAt)} · ${total} cached entries, ${total - others} of them this file's pipeline and sweep · ● the pipeline file's variant, ○ another variant of its sweep</p>`,
    `<label class="switch"><input type="checkbox" id="show-all"> show every cached entry (${others} more: other pipeline files, --set runs, earlier edits)</label>`,
    `<h2>Pipeline</h2>`,
    `<p class="legend-state meta">state today:<span style="background:#dcefdc"></span>cached<span style="background:#ffe6c4"></span>stale<span style="background:#eceff2"></span>never run</p>`,
    `<div id="graph"></div>`,
    `<h2>Metrics</h2>`,
    ...page.catalogs.map(stageTable),
  ];
  if (page.curveCharts.length > 0) {
    sections.push(`<h2>Training curves</h2>`, `<p class="legend-note">One line per cached variant; the thick line is the pipeline file's own. Click a legend entry to hide it.</p>`, chartGrid(page.curveCharts, 0));
  }
  if (page.sweepCharts.length > 0) {
    sections.push(`<h2>Metrics vs swept params</h2>`, chartGrid(page.sweepCharts, page.curveCharts.length));
  }
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(page.title)}</title>
<style>${css}</style>
<style>${STYLE}</style>
</head>
<body>
<main>
${sections.join("\n")}
</main>
<script type="application/json" id="report-data">${scriptJson({ charts, graph: page.graph })}</script>
<script>${inlineScript(js)}</script>
<script>${inlineScript(dagreScript())}</script>
<script>${GRAPH_SCRIPT}</script>
<script>${REPORT_SCRIPT}</script>
</body>
</html>
`;
}
