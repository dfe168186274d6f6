// Crash injection: SIGKILLs a real `dag run` at random instants (mid-stage, mid-commit, mid-replacement) and checks the store after each kill.
import { existsSync, readdirSync, readFileSync, watch, type FSWatcher } from "node:fs";
import path from "node:path";
import { dag, makeProject, startDag } from "./project.js";
import { checkStore } from "./store-check.js";

/** a → b → c with multi-megabyte outputs, so that hashing and committing take a measurable share of a run. */
export const CRASH_PIPELINE = `stages:
  a:
    module: stages/fault.ts
    params: { size: 3000000 }
    outs: [o1.bin, o2.bin]
  b:
    module: stages/fault.ts
    deps: { x: a:o1.bin }
    params: { size: 1000000 }
    outs: [o.bin]
  c:
    module: stages/fault.ts
    deps: { x: b:o.bin, y: a:o2.bin }
    params: { size: 500000 }
    outs: [o.bin, p.bin]
`;

/** How a trial picks its instant: uniformly over a run, a few ms after a stage exits (inside commit), or as the store's folder of a stage changes (inside publish or replacement). */
export type KillTrigger = "uniform" | "after-exit" | "entry-change";

/** What a trial runs: new params (every stage computes), a forced re-run of all (replacement of every entry), or of one stage. */
export type Scenario = "fresh" | "force" | "force-one";

export interface CrashTrial {
  readonly scenario: Scenario;
  readonly trigger: KillTrigger;
  /** Whether the kill landed before the run ended on its own. */
  readonly killed: boolean;
  /** Entries with a problem, dangling or wrong links, right after the kill. */
  readonly problems: readonly string[];
  /** `stage:key` of entries complete before the kill and gone after it. */
  readonly lost: readonly string[];
  /** What the kill left that the next run has to clean: pending folders, superseded copies. */
  readonly leftovers: { readonly pending: number; readonly superseded: number };
  /** The next plain `dag run` exited 0, left a clean store and nothing pending, and a run after it ran nothing. */
  readonly recovered: boolean;
  readonly recoveryProblems: readonly string[];
}

/** A small seeded generator (mulberry32), so a failing trial sequence can be replayed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}

/** A project for crash trials, run once to completion; returns it and how long a full run took (ms). */
export async function crashProject(): Promise<{ dir: string; fullRunMs: number }> {
  const dir = makeProject({ "pipeline.yaml": CRASH_PIPELINE });
  const started = performance.now();
  const first = await dag(dir, "run");
  if (first.exitCode !== 0) throw new Error(`the crash project does not run: ${first.stdout}\n${first.stderr}`);
  return { dir, fullRunMs: performance.now() - started };
}

/**
 * Runs one trial on `dir`: starts the scenario's run, kills it per the trigger, checks, then
 * recovers. Scenario and trigger are drawn at random unless `plan` gives them.
 */
export async function crashTrial(
  dir: string,
  fullRunMs: number,
  random: () => number,
  index: number,
  plan?: { readonly scenario: Scenario; readonly trigger: KillTrigger },
): Promise<CrashTrial> {
  const scenario = plan?.scenario ?? pick(random, ["fresh", "force", "force", "force-one"] as const);
  const trigger = plan?.trigger ?? pick(random, ["uniform", "after-exit", "after-exit", "entry-change"] as const);
  const stage = pick(random, ["a", "b", "c"]);
  const args =
    scenario === "fresh" ? ["run", "--set", `a.size=${3_000_000 + index + 1}`] : scenario === "force" ? ["run", "--force"] : ["run", "--force", stage, "--until", stage];
  const before = checkStore(dir).complete;

  const running = startDag(dir, ...args);
  const watchers: FSWatcher[] = [];
  const kill = (): void => {
    running.kill("SIGKILL");
  };
  const delay = (maxMs: number): number => random() * maxMs;
  if (trigger === "uniform") {
    setTimeout(kill, delay(fullRunMs));
  } else if (trigger === "after-exit") {
    const exitsBefore = stageExits(dir).length;
    const want = scenario === "force-one" ? 1 : 1 + Math.floor(random() * 3);
    watchers.push(
      watch(dir, (_event, file) => {
        if (file !== "exits.log" || stageExits(dir).length - exitsBefore < want) return;
        watchers.splice(0).forEach((w) => w.close());
        setTimeout(kill, delay(40));
      }),
    );
  } else {
    const folder = path.join(dir, ".dag", "entries", scenario === "force-one" ? stage : pick(random, ["a", "b", "c"]));
    if (existsSync(folder)) {
      watchers.push(
        watch(folder, () => {
          watchers.splice(0).forEach((w) => w.close());
          setTimeout(kill, delay(4));
        }),
      );
    }
  }
  const result = await running;
  watchers.forEach((w) => w.close());
  const killed = result.signal === "SIGKILL";

  const after = checkStore(dir);
  const lost = [...before].filter((id) => !after.complete.has(id));
  const tmp = path.join(dir, ".dag", "tmp");
  const pending = existsSync(tmp) ? readdirSync(tmp).length : 0;
  const copies = new Map<string, number>();
  for (const e of after.entries) copies.set(`${e.stage}:${e.key}`, (copies.get(`${e.stage}:${e.key}`) ?? 0) + 1);
  const superseded = [...copies.values()].filter((n) => n > 1).length;

  const recoveryProblems: string[] = [];
  const recovery = await dag(dir, ...(scenario === "fresh" ? args : ["run"]));
  if (recovery.exitCode !== 0) recoveryProblems.push(`the next run exited ${recovery.exitCode}: ${recovery.stdout.slice(-400)} ${recovery.stderr.slice(-400)}`);
  const recovered = checkStore(dir);
  recoveryProblems.push(...recovered.problems);
  if (existsSync(tmp) && readdirSync(tmp).length > 0) recoveryProblems.push(`.dag/tmp still holds ${readdirSync(tmp).join(", ")}`);
  if (existsSync(path.join(dir, ".dag", "lock"))) recoveryProblems.push("the lock was left behind");
  const settled = await dag(dir, ...(scenario === "fresh" ? args : ["run"]));
  if (!/\b0 ran\b/.test(settled.stdout)) recoveryProblems.push(`a run after recovery still ran something: ${settled.stdout.slice(-300)}`);
  return {
    scenario,
    trigger,
    killed,
    problems: after.problems,
    lost,
    leftovers: { pending, superseded },
    recovered: recoveryProblems.length === 0,
    recoveryProblems,
  };
}

function stageExits(dir: string): string[] {
  const file = path.join(dir, "exits.log");
  return existsSync(file) ? readFileSync(file, "utf8").trim().split("\n").filter(Boolean) : [];
}

/** Totals over trials, as the soak script prints them. */
export function summarise(trials: readonly CrashTrial[]): Record<string, number> {
  const count = (f: (t: CrashTrial) => boolean): number => trials.filter(f).length;
  return {
    trials: trials.length,
    kills: count((t) => t.killed),
    "kills after a stage exited (in commit)": count((t) => t.killed && t.trigger === "after-exit"),
    "kills as a store folder changed (publish, replacement)": count((t) => t.killed && t.trigger === "entry-change"),
    "kills in forced replacements": count((t) => t.killed && t.scenario !== "fresh"),
    "trials with a corrupt entry or bad link": count((t) => t.problems.length > 0),
    "lost entries": trials.reduce((n, t) => n + t.lost.length, 0),
    "kills that left pending work": count((t) => t.leftovers.pending > 0),
    "kills that left a superseded copy": count((t) => t.leftovers.superseded > 0),
    recoveries: count((t) => t.recovered),
    "failed recoveries": count((t) => !t.recovered),
  };
}
