// The script of the `dag report` page: draws every chart of the page's data with uPlot (inlined next to it), offline.

/**
 * Browser JavaScript (ES2017, no modules): reads the JSON in #report-data, draws chart i into
 * #chart-i, and records how many it drew in body[data-charts-drawn].
 */
export const REPORT_SCRIPT = String.raw`(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("report-data").textContent);
  var palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f"];
  var drawn = 0;
  var plots = [];
  var showAll = function () { var t = document.getElementById("show-all"); return !!(t && t.checked); };
  data.charts.forEach(function (chart, i) {
    var host = document.getElementById("chart-" + i);
    if (!host) return;
    var ticks = chart.xTicks || null;
    var xScale = { time: false };
    if (chart.logX) { xScale.distr = 3; xScale.log = 10; }
    if (ticks || chart.x.length === 1) {
      xScale.range = function (u, min, max) { return [min - 0.5, max + 0.5]; };
    }
    var xAxis = { label: chart.xLabel };
    var whole = chart.x.every(function (v) { return Math.round(v) === v; });
    if (whole && !chart.logX) xAxis.incrs = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000];
    if (ticks) {
      xAxis.splits = function () { return ticks.map(function (_, j) { return j; }); };
      xAxis.values = function (u, splits) { return splits.map(function (v) { return ticks[v] === undefined ? "" : ticks[v]; }); };
    } else if (chart.ticksAtValues) {
      xAxis.splits = function () { return chart.x; };
      // A log axis hides ticks off its round mantissas by default: keep every tried value.
      xAxis.filter = function (u, splits) { return splits; };
      xAxis.values = function (u, splits) { return splits.map(function (v) { return v == null ? "" : String(v); }); };
    }
    var xSeries = { label: chart.xLabel };
    if (ticks) xSeries.value = function (u, v) { return v == null ? "" : ticks[v]; };
    var series = [xSeries].concat(chart.series.map(function (s, j) {
      return {
        show: !s.other || showAll(),
        label: s.label + (s.current ? " ●" : "") + (s.other ? " (other)" : ""),
        stroke: palette[j % palette.length],
        width: s.current ? 3 : 1.75,
        spanGaps: true,
        points: { show: true, size: 7 }
      };
    }));
    var width = Math.max(360, Math.min(host.clientWidth || 600, 960));
    var opts = {
      title: chart.title,
      width: width,
      height: 300,
      scales: { x: xScale },
      axes: [xAxis, { label: chart.yLabel, size: 64 }],
      legend: { live: false },
      series: series
    };
    var plot = new uPlot(opts, [chart.x].concat(chart.series.map(function (s) { return s.values; })), host);
    plots.push({ plot: plot, chart: chart });
    if (chart.note) {
      var note = document.createElement("p");
      note.className = "note";
      note.textContent = chart.note;
      host.appendChild(note);
    }
    drawn++;
  });
  document.body.setAttribute("data-charts-drawn", String(drawn));
  // The switch: entries this file's pipeline and sweep do not resolve to, in the tables and the charts.
  var toggle = document.getElementById("show-all");
  if (toggle) toggle.addEventListener("change", function () {
    document.body.classList.toggle("show-all", toggle.checked);
    plots.forEach(function (p) {
      p.chart.series.forEach(function (s, j) { if (s.other) p.plot.setSeries(j + 1, { show: toggle.checked }); });
    });
  });
  document.body.setAttribute("data-scroll-width", String(document.documentElement.scrollWidth));
})();
`;
