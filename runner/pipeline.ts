// The loaded, validated pipeline: what pipeline.yaml says, with paths normalised and params resolved.

/** A whole pipeline file after loading: every stage checked, every reference resolved. */
export interface Pipeline {
  /** Absolute path of the YAML file. */
  readonly file: string;
  /** Absolute project root (given by the caller); every project-relative path is relative to it. */
  readonly root: string;
  /** Top-level params, as written (the values `${name}` references stand for). */
  readonly params: Readonly<Record<string, unknown>>;
  /** Stages by name, in file order. */
  readonly stages: ReadonlyMap<string, StageSpec>;
  /** The raw top-level `sweep` mapping, or undefined when absent (its meaning belongs to a later issue). */
  readonly sweep: unknown;
}

/** One stage: the module to run, what it reads, what it writes and its params. */
export interface StageSpec {
  readonly name: string;
  /** Project-relative POSIX path of the stage's module, normalised (e.g. "stages/ridge.ts"). */
  readonly module: string;
  readonly description?: string;
  /** Inputs in file order. */
  readonly deps: readonly DepSpec[];
  /** Declared outputs: normalised relative POSIX paths inside the stage's output folder. */
  readonly outs: readonly string[];
  /** The stage's params with `${name}` references to top-level params resolved. */
  readonly params: Readonly<Record<string, unknown>>;
  /** params.seed if a number, else the top-level params.seed if a number, else 0. */
  readonly seed: number;
  /** Where the stage's key is in the file, for later messages. */
  readonly position: SourcePosition;
}

/** One input of a stage: a declared output of an upstream stage, or a file or folder of the workspace. */
export type DepSpec =
  | { readonly name: string; readonly kind: "output"; readonly stage: string; readonly out: string }
  | { readonly name: string; readonly kind: "path"; readonly path: string; readonly isDir: boolean };

/** A place in a source file; both numbers are 1-based. */
export interface SourcePosition {
  readonly line: number;
  readonly col: number;
}
