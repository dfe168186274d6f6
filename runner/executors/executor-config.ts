// Where a run's stages execute, as pipeline.yaml (`executor:`, per-stage `resources:`) and `dag run --executor` say; never part of a key.

/** The executors dag has. */
export const EXECUTOR_NAMES = ["local", "slurm"] as const;
export type ExecutorName = (typeof EXECUTOR_NAMES)[number];

/** The cluster defaults every Slurm job of the run gets (`executor:` in pipeline.yaml). */
export interface SlurmDefaults {
  readonly partition?: string;
  readonly account?: string;
  readonly qos?: string;
  /** More sbatch flags, as written, after dag's own. */
  readonly sbatch: readonly string[];
}

/** The `executor:` block: which executor, and the cluster's defaults for Slurm. */
export interface ExecutorConfig {
  readonly name: ExecutorName;
  readonly slurm: SlurmDefaults;
}

/** What one stage's cluster job asks for (`resources:`); each field is passed to sbatch as written, checked first. */
export interface StageResources {
  /** --cpus-per-task. */
  readonly cpus?: number;
  /** --mem, e.g. `4G`, `500M` (a bare number is megabytes, as in Slurm). */
  readonly mem?: string;
  /** --time, in Slurm's forms: minutes, `MM:SS`, `HH:MM:SS`, `D-HH`, `D-HH:MM`, `D-HH:MM:SS`. */
  readonly time?: string;
  /** --gpus, e.g. `1` or `a100:2`. */
  readonly gpus?: string;
}

export const LOCAL_EXECUTOR: ExecutorConfig = { name: "local", slurm: { sbatch: [] } };
