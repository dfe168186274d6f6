// The loaded, validated pipeline: what pipeline.yaml says, with paths normalised and params resolved.
import type { RemoteSettings } from "../remote/remote-spec.js";
import type { ParamSchema } from "./config/param-schema.js";
import type { PlotSpec } from "./declarations.js";
import type { ExecutorConfig, StageResources } from "./executors/executor-config.js";

/** A whole pipeline file after loading: every stage checked, every reference resolved. */
export interface Pipeline {
  /** Absolute path of the YAML file. */
  readonly file: string;
  /** Absolute project root (given by the caller); every project-relative path is relative to it. */
  readonly root: string;
  /** Top-level params, as written (the values `${name}` references stand for). */
  readonly params: Readonly<Record<string, unknown>>;
  /**
   * Stages by name, in file order. As loaded, one per stage of the file; after sweep expansion
   * (sweep.ts), one per variant, each variant right after the ones before it in file order.
   */
  readonly stages: ReadonlyMap<string, StageSpec>;
  /** The `sweep` block's axes in file order; empty when there is none. */
  readonly sweep: readonly SweepAxis[];
  /** The top-level `env:` list: environment variables whose values go into every stage's key. */
  readonly env: readonly string[];
  /** Where stages run (`executor:`; `dag run --executor` overrides its name; absent: local); never in a key. */
  readonly executor?: ExecutorConfig;
  /** The `remote:` block with dag.local.yaml laid over it (absent: none configured). */
  readonly remotes?: RemoteSettings;
}

/** One line of the `sweep` block: a stage param and the values to try (`ridge.alpha: [0.01, 0.1]`). */
export interface SweepAxis {
  /** As written: `ridge.alpha`, `finetune.loss.infonce`. */
  readonly id: string;
  /** The stage whose param it is. */
  readonly stage: string;
  /** The param's path inside the stage's params: `["loss", "infonce"]`. */
  readonly path: readonly string[];
  /** The values to try, in file order, `${name}` references resolved; never empty, no duplicates. */
  readonly values: readonly unknown[];
  /**
   * True for a stage's own `foreach:` line (copies of one stage, e.g. seeds): its values are the
   * variants, the file's own value is not added as one, and `--no-sweep` keeps it.
   */
  readonly foreach?: boolean;
}

/** One stage: the module to run, what it reads, what it writes and its params. */
export interface StageSpec {
  /**
   * The stage's name in this pipeline, unique: the YAML name, or for a sweep variant the YAML name
   * and the swept values it runs with, e.g. `ridge[alpha=0.01]` (what rows and messages show).
   */
  readonly name: string;
  /**
   * The stage's name in pipeline.yaml. Cache keys and entries use it, so a variant and the plain
   * stage with the same params are one entry (`.dag/entries/<base>/<key>`).
   */
  readonly base: string;
  /**
   * The name of the stage's link `artifacts/<artifact>` and record `.dag/current/<artifact>`: the
   * base name for the pipeline's own (un-swept) variant, `ridge@alpha=0.01` for other variants.
   */
  readonly artifact: string;
  /** The swept values this variant runs with, by axis label (`alpha`, `ridge.alpha` for an upstream axis); empty when unswept. */
  readonly variant: Readonly<Record<string, unknown>>;
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
  /** The environment variables whose values go into the key: the top-level `env:` and the stage's own, sorted, each once. */
  readonly env: readonly string[];
  /** Its headline metrics as declared (`metrics:`): names or `*` patterns; empty: the first three it reports. */
  readonly metrics: readonly string[];
  /** Its outputs drawn as curves (`plots:`). */
  readonly plots: readonly PlotSpec[];
  /** Its param schema (`stages/NAME.params.schema.json` beside the module), when it has one: params were checked and defaulted by it. */
  readonly paramSchema?: ParamSchema;
  /** Dotted paths of the params whose values came from the schema's defaults, not the file. */
  readonly defaulted?: readonly string[];
  /** What its cluster job asks for (`resources:`); the local executor ignores it; never in the key. */
  readonly resources?: StageResources;
  /** Where the stage's key is in the file, for later messages. */
  readonly position: SourcePosition;
}

/** One input of a stage: a declared output of an upstream stage, or a file or folder of the workspace. */
export type DepSpec =
  | {
      readonly name: string;
      readonly kind: "output";
      /** The upstream stage as written in pipeline.yaml; `stage:out` is the input's reference in keys and messages. */
      readonly stage: string;
      readonly out: string;
      /** The pipeline stage (by `name`) it is read from: `stage` itself, or the matching sweep variant of it. */
      readonly from: string;
      /** Written `STAGE[*]:OUT`: the input is the list of that output of every variant of STAGE (sweep expansion fans it out). */
      readonly fanIn?: boolean;
      /** After sweep expansion, one member of a fan-in input: the input's name and the member variant's swept values. */
      readonly member?: FanInMember;
    }
  | { readonly name: string; readonly kind: "path"; readonly path: string; readonly isDir: boolean };

/** A place in a source file; both numbers are 1-based. */
export interface SourcePosition {
  readonly line: number;
  readonly col: number;
}

/** The seed a stage gets: its own params.seed if a number, else the top-level params.seed if a number, else 0. */
export function stageSeed(params: Readonly<Record<string, unknown>>, top: Readonly<Record<string, unknown>>): number {
  const own = params["seed"];
  if (typeof own === "number") return own;
  const shared = top["seed"];
  return typeof shared === "number" ? shared : 0;
}

/** One member of a fan-in input (`finetune[*]:metrics.json`), as the expanded dep records it. */
export interface FanInMember {
  /** The fan-in input's name as written in pipeline.yaml (`candidates`). */
  readonly input: string;
  /** The member variant's swept values by axis label (`{ seed: 3 }`); empty for an unswept upstream. */
  readonly variant: Readonly<Record<string, unknown>>;
}
