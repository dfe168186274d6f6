// One progress bar for the whole stage: the stage lists its phases with their share of the work, each phase reports its own count.
import { reportProgress } from "./job.js";

/**
 * A stage's plan: phase name → its share of the stage's work, in any unit (steps, rows, a rough
 * cost), in the order the phases run. `report(phase, done, total)` sends the runner the stage's
 * progress as a whole (`done` of `total` units over every phase), with `text` (default: the phase
 * name) as what the row shows, so the bar and its ETA cover the stage, not the current phase.
 */
export class StageProgress {
  private readonly before = new Map<string, number>();
  private readonly units: ReadonlyMap<string, number>;
  private readonly total: number;
  /** Units reported last: a phase not in the plan stays there. */
  private last = 0;

  constructor(plan: ReadonlyArray<readonly [phase: string, units: number]>) {
    let sum = 0;
    for (const [phase, units] of plan) {
      this.before.set(phase, sum);
      sum += Math.max(0, units);
    }
    this.units = new Map(plan);
    this.total = Math.max(1, Math.round(sum));
  }

  /** `done` of `total` of `phase` (a phase not in the plan adds nothing), shown as `text`. */
  report(phase: string, done: number, total: number, text: string = phase, values?: Record<string, number>): void {
    const fraction = total > 0 ? Math.min(1, Math.max(0, done / total)) : 1;
    const before = this.before.get(phase);
    if (before !== undefined) this.last = Math.min(this.total, Math.round(before + (this.units.get(phase) ?? 0) * fraction));
    reportProgress(this.last, this.total, text, values);
  }

  /** The whole stage done. */
  finish(text = "done"): void {
    reportProgress(this.total, this.total, text);
  }
}
