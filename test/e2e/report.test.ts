// End-to-end: `dag report` on a swept pipeline, opened in headless Chromium with no network, its charts checked as drawn.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { mlPipeline, mlProject } from "./ml-project.js";
import { colouredPixels, decodePng } from "./png.js";
import { dag } from "./project.js";

/** Debian's chromium (.ci/run installs it). */
const CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((file) => existsSync(file));

/** Runs headless Chromium on a file with the flags that keep it offline and quiet; returns its stdout. */
function chromium(args: readonly string[]): string {
  const profile = mkdtempSync(path.join(os.tmpdir(), "dag-chromium-"));
  try {
    return execFileSync(
      CHROMIUM as string,
      [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        `--user-data-dir=${profile}`,
        "--hide-scrollbars",
        "--virtual-time-budget=5000",
        ...args,
      ],
      { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], timeout: 60_000 },
    );
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

describe("dag report", () => {
  it.skipIf(CHROMIUM === undefined && process.env["CI"] === undefined)("writes a self-contained page whose graph, tables and charts render offline", async () => {
    if (CHROMIUM === undefined) throw new Error("chromium is not installed: apt-get install -y chromium (.ci/run does)");
    const dir = mlProject(mlPipeline("sweep:\n  ridge.alpha: [0.01, 0.1]\n  finetune.loss.infonce: [0, 1]\n"));
    expect((await dag(dir, "run", "-j", "2")).exitCode).toBe(0);
    mkdirSync(path.join(dir, "out"));
    const r = await dag(dir, "report", "-o", "out/report.html");
    expect(r.stderr).toBe("");
    expect(r.exitCode).toBe(0);
    // ridge: the grid's 0.01 and 0.1 and the file's own 0.03; finetune: the 2×2 grid and the file's own (0.03, 0).
    // Charts: loss and 2 MRR curves of the 5 finetune variants; ridge vs alpha, finetune vs ridge.alpha and vs loss.infonce.
    expect(r.stdout).toContain("wrote out/report.html: 10 entries, 6 charts");
    const file = path.join(dir, "out/report.html");
    const html = readFileSync(file, "utf8");
    expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)=/i);
    expect(html).not.toMatch(/https?:\/\/(?!github\.com\/leeoniya|www\.w3\.org)/);
    expect(html).toContain("<h3>finetune <small>5 cached variants</small></h3>");

    const dom = chromium(["--window-size=1280,2400", "--dump-dom", `file://${file}`]);
    expect(dom).toContain('data-charts-drawn="6"');
    const charts = [...dom.matchAll(/<div class="chart" id="chart-(\d+)"[^>]*>([\s\S]*?)<\/table><\/div>(?:<p class="note">[^<]*<\/p>)?<\/div>/g)];
    expect(charts).toHaveLength(6);
    for (const [, , inner] of charts) {
      const canvas = /<canvas width="(\d+)" height="(\d+)"/.exec(inner as string);
      expect(Number(canvas?.[1])).toBeGreaterThan(300);
      expect(Number(canvas?.[2])).toBeGreaterThan(200);
    }
    expect([...dom.matchAll(/<g class="node[^"]*" data-stage="([^"]+)"/g)].map((m) => m[1])).toEqual(["load", "pca", "ridge", "finetune"]);
    expect([...dom.matchAll(/<g class="node state-cached" data-stage/g)]).toHaveLength(4);
    expect(dom).toContain("5 variants");
    // Every edge drawn by the layout library, from its stage's box to the reading stage's, through no other box.
    expect(dom).toContain('data-edges-drawn="4"');
    const boxes = new Map([...dom.matchAll(/data-stage="([^"]+)" data-box="([^"]+)"/g)].map((m) => [m[1] as string, (m[2] as string).split(",").map(Number) as [number, number, number, number]]));
    const near = (p: [number, number], b: [number, number, number, number]): boolean => p[0] >= b[0] - 2 && p[0] <= b[0] + b[2] + 2 && p[1] >= b[1] - 2 && p[1] <= b[1] + b[3] + 2;
    const inside = (p: [number, number], b: [number, number, number, number]): boolean => p[0] > b[0] + 1 && p[0] < b[0] + b[2] - 1 && p[1] > b[1] + 1 && p[1] < b[1] + b[3] - 1;
    const edges = [...dom.matchAll(/<path class="edge" d="([^"]+)" data-from="([^"]+)" data-to="([^"]+)"/g)];
    expect(edges.map((m) => `${m[2]}>${m[3]}`).sort()).toEqual(["load>pca", "load>ridge", "pca>finetune", "ridge>finetune"]);
    for (const [, d, from, to] of edges) {
      const points = [...(d as string).matchAll(/(-?[\d.]+),(-?[\d.]+)/g)].map((m) => [Number(m[1]), Number(m[2])] as [number, number]);
      expect(points.length).toBeGreaterThanOrEqual(2);
      expect(near(points[0] as [number, number], boxes.get(from as string) as [number, number, number, number])).toBe(true);
      expect(near(points[points.length - 1] as [number, number], boxes.get(to as string) as [number, number, number, number])).toBe(true);
      for (const [name, box] of boxes) for (const point of points) expect(inside(point, box), `${from}>${to} crosses ${name}`).toBe(false);
    }

    // At 1400 px nothing scrolls sideways: the page measured its own width once drawn.
    const at1400 = chromium(["--window-size=1400,2400", "--dump-dom", `file://${file}`]);
    expect(Number(/data-scroll-width="(\d+)"/.exec(at1400)?.[1])).toBeLessThanOrEqual(1400);

    // The page is grey apart from the charts' coloured lines: colour on the screenshot means they were drawn.
    const shot = path.join(dir, "out/report.png");
    chromium(["--window-size=1280,3200", `--screenshot=${shot}`, `file://${file}`]);
    const pixels = decodePng(readFileSync(shot));
    expect(pixels.width).toBe(1280);
    expect(colouredPixels(pixels)).toBeGreaterThan(5000);
  });

  it.skipIf(CHROMIUM === undefined && process.env["CI"] === undefined)("shows this file's entries by default, the rest behind a switch; identical curves are drawn once with a note", async () => {
    if (CHROMIUM === undefined) throw new Error("chromium is not installed: apt-get install -y chromium (.ci/run does)");
    // loss.mse does not move the toy stage's curve: its two values draw the same lines.
    const dir = mlProject(mlPipeline("sweep:\n  finetune.loss.mse: [0.5, 1]\n"));
    expect((await dag(dir, "run")).exitCode).toBe(0);
    expect((await dag(dir, "run", "--set", "ridge.alpha=0.3")).exitCode).toBe(0);
    expect((await dag(dir, "run")).exitCode).toBe(0);
    const r = await dag(dir, "report");
    expect(r.exitCode, r.stderr).toBe(0);
    const html = readFileSync(path.join(dir, "report.html"), "utf8");
    expect(html).toContain('<input type="checkbox" id="show-all"> show every cached entry (3 more:');
    expect([...html.matchAll(/<tr class="other">/g)]).toHaveLength(3);
    const dom = chromium(["--window-size=1400,2400", "--dump-dom", `file://${path.join(dir, "report.html")}`]);
    expect(dom).toContain("2 identical curves drawn as one: loss.mse=0.5 ridge.alpha=0.03, loss.mse=1 ridge.alpha=0.03");
    // The --set run's curve is in the legend, switched off until the switch shows every entry.
    const legend = [...dom.matchAll(/<tr class="u-series([^"]*)"[^>]*>[\s\S]*?<div class="u-label">([^<]*)<\/div>/g)].map((m) => ({ off: (m[1] as string).includes("u-off"), label: m[2] as string }));
    const others = legend.filter((l) => l.label.includes("(other)"));
    expect(others.length).toBeGreaterThan(0);
    for (const l of others) expect(l.off, l.label).toBe(true);
    const merged = legend.filter((l) => l.label.includes("loss.mse=0.5 ridge.alpha=0.03 = loss.mse=1 ridge.alpha=0.03"));
    expect(merged.length).toBeGreaterThan(0);
    for (const l of merged) expect(l.off).toBe(false);
  });
});
