// End-to-end crash injection: a real dag run SIGKILLed at random instants; after each kill no entry is corrupt or lost, every link resolves, the next run recovers.
import { describe, expect, it } from "vitest";
import { crashProject, crashTrial, seededRandom, summarise, type CrashTrial, type KillTrigger, type Scenario } from "./crash-harness.js";

/** Each kind of run killed each way at least once; the instants are random. `npm run soak` runs hundreds (test/soak/crash-soak.ts). */
const PLAN: readonly { readonly scenario: Scenario; readonly trigger: KillTrigger }[] = [
  { scenario: "fresh", trigger: "uniform" },
  { scenario: "force", trigger: "after-exit" },
  { scenario: "force", trigger: "entry-change" },
  { scenario: "force-one", trigger: "after-exit" },
  { scenario: "fresh", trigger: "after-exit" },
  { scenario: "force", trigger: "uniform" },
  { scenario: "force-one", trigger: "entry-change" },
  { scenario: "fresh", trigger: "entry-change" },
  { scenario: "force", trigger: "entry-change" },
];

describe("crash injection", () => {
  it(`${PLAN.length} kills at random instants, inside commits and forced replacements: zero corrupt, zero lost, every link complete, every recovery clean`, async () => {
    const { dir, fullRunMs } = await crashProject();
    const random = seededRandom(Date.now() % 1_000_000);
    const trials: CrashTrial[] = [];
    for (const [i, plan] of PLAN.entries()) {
      const trial = await crashTrial(dir, fullRunMs, random, i, plan);
      trials.push(trial);
      expect({ trial: i, plan, problems: trial.problems, lost: trial.lost, recovery: trial.recoveryProblems }).toEqual({ trial: i, plan, problems: [], lost: [], recovery: [] });
    }
    expect(summarise(trials)["kills"]).toBeGreaterThan(PLAN.length / 2);
  }, 900_000);
});
