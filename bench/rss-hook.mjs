// Preloaded into every node process of a benchmarked `dag run` (NODE_OPTIONS=--import): at exit, a
// stage process appends its module and peak RSS to the file named by DAG_BENCH_RSS_FILE.
import { appendFileSync } from "node:fs";
import { isMainThread } from "node:worker_threads";

const file = process.env["DAG_BENCH_RSS_FILE"];
if (file && isMainThread) {
  process.on("exit", () => {
    const module = process.argv[1] ?? "";
    appendFileSync(file, JSON.stringify({ module, peakRssMB: process.resourceUsage().maxRSS / 1024 }) + "\n");
  });
}
