// The long crash soak (`npm run soak`, not part of npm test): hundreds of SIGKILLs of a real dag run, with the totals printed.
//   SOAK_KILLS=200 (kills to reach)   SOAK_SEED=1 (replays a sequence)
// It runs a frozen copy of dist/ (bench/out/soak-dist), so rebuilding meanwhile changes nothing under it.
import { cpSync, rmSync } from "node:fs";
import path from "node:path";
import { REPO } from "../e2e/project.js";
import { crashProject, crashTrial, seededRandom, summarise, type CrashTrial } from "../e2e/crash-harness.js";

const frozen = path.join(REPO, "bench", "out", "soak-dist");
rmSync(frozen, { recursive: true, force: true });
cpSync(path.join(REPO, "dist"), frozen, { recursive: true });
process.env["DAG_TEST_CLI"] = path.join(frozen, "runner", "cli.js");

const wanted = Number(process.env["SOAK_KILLS"] ?? 200);
const seed = Number(process.env["SOAK_SEED"] ?? Date.now() % 1_000_000);
const random = seededRandom(seed);
const started = performance.now();
let project = await crashProject();
const trials: CrashTrial[] = [];
for (let i = 0; trials.filter((t) => t.killed).length < wanted; i++) {
  // A fresh project now and then keeps the store small.
  if (i > 0 && i % 60 === 0) project = await crashProject();
  const trial = await crashTrial(project.dir, project.fullRunMs, random, i);
  trials.push(trial);
  const bad = trial.problems.length + trial.lost.length + trial.recoveryProblems.length;
  if (bad > 0) console.log(`trial ${i} (${trial.scenario}, ${trial.trigger}): ${JSON.stringify({ problems: trial.problems, lost: trial.lost, recovery: trial.recoveryProblems })}`);
  if (i % 20 === 19) console.log(`… ${i + 1} trials, ${trials.filter((t) => t.killed).length} kills`);
}
const summary = summarise(trials);
console.log(`crash soak, seed ${seed}, ${((performance.now() - started) / 1000).toFixed(0)} s:`);
for (const [name, value] of Object.entries(summary)) console.log(`  ${name.padEnd(56)} ${value}`);
const failed = summary["trials with a corrupt entry or bad link"]! + summary["lost entries"]! + summary["failed recoveries"]!;
console.log(failed === 0 ? "soak: 0 corrupt, 0 lost, every recovery clean" : `soak: ${failed} failures`);
process.exitCode = failed === 0 ? 0 : 1;
