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
    const charts = [...dom.matchAll(/<div class="chart" id="chart-(\d+)"[^>]*>([\s\S]*?)<\/table><\/div><\/div>/g)];
    expect(charts).toHaveLength(6);
    for (const [, , inner] of charts) {
      const canvas = /<canvas width="(\d+)" height="(\d+)"/.exec(inner as string);
      expect(Number(canvas?.[1])).toBeGreaterThan(300);
      expect(Number(canvas?.[2])).toBeGreaterThan(200);
    }
    expect([...dom.matchAll(/<g class="node[^"]*" data-stage="([^"]+)"/g)].map((m) => m[1])).toEqual(["load", "pca", "ridge", "finetune"]);
    expect(dom).toContain("5 variants");

    // The page is grey apart from the charts' coloured lines: colour on the screenshot means they were drawn.
    const shot = path.join(dir, "out/report.png");
    chromium(["--window-size=1280,3200", `--screenshot=${shot}`, `file://${file}`]);
    const pixels = decodePng(readFileSync(shot));
    expect(pixels.width).toBe(1280);
    expect(colouredPixels(pixels)).toBeGreaterThan(5000);
  });
});
