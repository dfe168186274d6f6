// The learning-rate schedule of projector training: linear warm-up, then cosine decay to zero (or flat).

/** After warm-up: cosine decay to zero at the last step, or the base rate throughout. */
export type Schedule = "cosine" | "constant";

/** A schedule over a fixed number of optimiser steps. */
export interface LrSchedule {
  /** The peak learning rate. */
  readonly baseLr: number;
  /** Steps of linear warm-up (0 for none). */
  readonly warmupSteps: number;
  /** All steps of the run (epochs × batches per epoch). */
  readonly totalSteps: number;
  readonly schedule: Schedule;
}

/**
 * The learning rate of 0-based step `step`: baseLr·(step+1)/warmupSteps during warm-up, then
 * baseLr·½(1 + cos(π·t)) with t = (step − warmupSteps)/(totalSteps − warmupSteps) going from 0
 * towards 1, so the last step's rate is just above zero; constant keeps baseLr after warm-up.
 */
export function learningRate(step: number, s: LrSchedule): number {
  if (step < s.warmupSteps) return (s.baseLr * (step + 1)) / s.warmupSteps;
  if (s.schedule === "constant") return s.baseLr;
  const decaySteps = s.totalSteps - s.warmupSteps;
  if (decaySteps <= 0) return s.baseLr;
  const t = Math.min(1, (step - s.warmupSteps) / decaySteps);
  return s.baseLr * 0.5 * (1 + Math.cos(Math.PI * t));
}
