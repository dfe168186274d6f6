// Preloaded (NODE_OPTIONS=--import) by bench/compare.ts into every node process of both checkouts' runs: at exit, a
// process appends its module and CPU seconds (user + system, all threads) to the file DAG_BENCH_CPU_FILE names.
import { appendFileSync } from "node:fs";
import { isMainThread } from "node:worker_threads";

const file = process.env["DAG_BENCH_CPU_FILE"];
if (file && isMainThread) {
  process.on("exit", () => {
    const { userCPUTime, systemCPUTime } = process.resourceUsage();
    appendFileSync(file, JSON.stringify({ module: process.argv[1] ?? "", cpuSeconds: (userCPUTime + systemCPUTime) / 1e6 }) + "\n");
  });
}
