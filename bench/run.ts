// `npm run bench`: times the runner and the pipeline's stages, and prints the figures (also to bench/out/results.json).
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { benchRunner, runnerTable } from "./runner-overhead.js";

const times = Number(process.env["BENCH_TIMES"] ?? 5);
const out = path.resolve(import.meta.dirname, "out");
mkdirSync(out, { recursive: true });

const results: Record<string, unknown> = {};
console.log("benchmarking the runner…");
const runner = benchRunner({ inputMB: 600, times });
results["runner"] = runner;
console.log(runnerTable(runner));

writeFileSync(path.join(out, "results.json"), JSON.stringify(results, null, 2) + "\n");
console.log(`\nresults: ${path.relative(process.cwd(), path.join(out, "results.json"))}`);
