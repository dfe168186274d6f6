// Every cached variant of the selected stages, with the params that made it (its own and its upstream entries'), metrics and timing; read from the store for runs, diff and report.
import type { CacheEntry } from "../cache/cache-entry.js";
import type { StageKey } from "../cache/digest.js";
import { damageNotes, resolvePipeline, type ResolvedStage } from "./dag-walk.js";
import { asEntryRecord } from "./entry-record.js";
import { topoOrder } from "./graph.js";
import { canonicalText, flattenParams } from "./param-values.js";
import type { Project } from "./project.js";

/** How the current pipeline file relates to an entry. */
export type CurrentMark = "yaml" | "sweep" | undefined;

/** One cached entry of a stage, as `dag runs` lists it. */
export interface CatalogRow {
  readonly stage: string;
  readonly key: StageKey;
  readonly entry: CacheEntry;
  /**
   * The params that produced it, flattened: the stage's own as `alpha`, `loss.infonce`; those of
   * the upstream entries its inputs came from as `ridge.alpha` (found by output hash, transitively).
   */
  readonly params: Readonly<Record<string, unknown>>;
  readonly metrics: Readonly<Record<string, number>>;
  /** Wall time of the stage process, in seconds (undefined for entries another tool wrote). */
  readonly seconds: number | undefined;
  /** When the stage started (else when the entry was committed), ISO 8601. */
  readonly startedAt: string;
  /** "yaml": today's pipeline file resolves to it; "sweep": one of its sweep variants does. */
  readonly current: CurrentMark;
  /** The names of the stages of today's pipeline that resolve to it (`ridge`, `ridge[alpha=0.01]`). */
  readonly variants: readonly string[];
}

/** The rows of one stage and the params that differ between them (the columns worth showing). */
export interface StageCatalog {
  readonly stage: string;
  readonly rows: readonly CatalogRow[];
  /** Flattened param names whose values are not the same in every row, own params first. */
  readonly differing: readonly string[];
  /** Every metric name of the rows, in first-seen order. */
  readonly metrics: readonly string[];
}

/**
 * Builds the catalog of `stages` (base names) from every entry in the store (`all`, oldest first),
 * marking the entries today's pipeline resolves to (`resolved`, by pipeline stage name).
 */
export function buildCatalog(stages: readonly string[], all: readonly CacheEntry[], resolved: ReadonlyMap<string, Pick<ResolvedStage, "spec" | "entry">>): StageCatalog[] {
  const marks = new Map<string, { current: CurrentMark; variants: string[] }>();
  for (const { spec, entry } of resolved.values()) {
    if (entry === undefined) continue;
    const id = `${entry.stage}\0${entry.key}`;
    const mark = marks.get(id) ?? { current: undefined, variants: [] };
    mark.variants.push(spec.name);
    if (spec.artifact === spec.base) mark.current = "yaml";
    else if (mark.current === undefined) mark.current = "sweep";
    marks.set(id, mark);
  }
  const lineage = new Lineage(all);
  return stages.map((stage) => {
    const rows: CatalogRow[] = all
      .filter((entry) => entry.stage === stage)
      .map((entry) => {
        const record = asEntryRecord(entry.manifest.record);
        const mark = marks.get(`${entry.stage}\0${entry.key}`);
        return {
          stage,
          key: entry.key,
          entry,
          params: withUpstream(ownParams(entry), lineage.upstreamOf(entry)),
          metrics: record?.metrics ?? {},
          seconds: record?.seconds,
          startedAt: record?.startedAt ?? entry.manifest.createdAt,
          current: mark?.current,
          variants: mark?.variants ?? [],
        };
      });
    const own = new Set(rows.flatMap((row) => Object.keys(ownParams(row.entry))));
    return { stage, rows, differing: differingParams(rows, own), metrics: [...new Set(rows.flatMap((row) => Object.keys(row.metrics)))] };
  });
}

/** Own params first, then upstream ones not shadowed by an own param of the same name. */
function withUpstream(own: Record<string, unknown>, upstream: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const params = { ...own };
  for (const [name, value] of Object.entries(upstream)) if (!(name in params)) params[name] = value;
  return params;
}

/** The entry's own params, flattened. */
function ownParams(entry: CacheEntry): Record<string, unknown> {
  return flattenParams(asEntryRecord(entry.manifest.record)?.inputs.params ?? {});
}

/** The param names whose values differ between rows; the stage's own params before upstream ones. */
function differingParams(rows: readonly CatalogRow[], own: ReadonlySet<string>): string[] {
  const names = [...new Set(rows.flatMap((row) => Object.keys(row.params)))];
  const differing = names.filter((name) => new Set(rows.map((row) => canonicalText(row.params[name]))).size > 1);
  return [...differing.filter((n) => own.has(n)), ...differing.filter((n) => !own.has(n))];
}

/**
 * Which entry each input came from: the inputs recorded as `ridge:W.npy`, `ridge:x_mean.npy`…
 * with their hashes came from the entry of ridge whose outputs match all of them (the newest, if
 * several wrote the same bytes). Matching every input, not each alone, matters: variants of a
 * swept stage often share some byte-identical outputs (scalers) and differ in others (W).
 */
class Lineage {
  /** stage, output and hash → the entries that wrote those bytes, oldest first. */
  private readonly producers = new Map<string, CacheEntry[]>();
  private readonly memo = new Map<string, Record<string, unknown>>();

  constructor(all: readonly CacheEntry[]) {
    for (const entry of all) {
      for (const [out, recorded] of Object.entries(entry.manifest.outputs)) {
        const id = `${entry.stage}\0${out}\0${recorded.hash}`;
        this.producers.set(id, [...(this.producers.get(id) ?? []), entry]);
      }
    }
  }

  /** The newest entry of `stage` that wrote every one of these (output, hash) pairs. */
  private producerOf(stage: string, outputs: readonly { out: string; hash: string }[]): CacheEntry | undefined {
    let candidates: CacheEntry[] | undefined;
    for (const { out, hash } of outputs) {
      const wrote = this.producers.get(`${stage}\0${out}\0${hash}`) ?? [];
      candidates = candidates === undefined ? wrote : candidates.filter((c) => wrote.includes(c));
    }
    return candidates?.[candidates.length - 1];
  }

  /** The params of the entries upstream of `entry`, flattened as `stage.param`, transitively. */
  upstreamOf(entry: CacheEntry, seen: Set<string> = new Set()): Record<string, unknown> {
    const id = `${entry.stage}\0${entry.key}`;
    const known = this.memo.get(id);
    if (known !== undefined) return known;
    const out: Record<string, unknown> = {};
    seen.add(id);
    const byStage = new Map<string, { out: string; hash: string }[]>();
    for (const { ref, hash } of Object.values(asEntryRecord(entry.manifest.record)?.inputs.inputs ?? {})) {
      const colon = ref.indexOf(":");
      if (colon <= 0) continue;
      const stage = ref.slice(0, colon);
      byStage.set(stage, [...(byStage.get(stage) ?? []), { out: ref.slice(colon + 1), hash }]);
    }
    for (const [stage, outputs] of byStage) {
      const producer = this.producerOf(stage, outputs);
      if (producer === undefined || seen.has(`${producer.stage}\0${producer.key}`)) continue;
      const record = asEntryRecord(producer.manifest.record);
      for (const [name, value] of Object.entries(flattenParams(record?.inputs.params ?? {}))) out[`${producer.stage}.${name}`] = value;
      Object.assign(out, this.upstreamOf(producer, seen));
    }
    this.memo.set(id, out);
    return out;
  }
}

/** The names `--sort` accepts for these catalogs: metrics, params (differing or not), `seconds`, `started`. */
export function sortKeys(catalogs: readonly StageCatalog[]): string[] {
  const names = new Set<string>();
  for (const catalog of catalogs) {
    for (const metric of catalog.metrics) names.add(metric);
    for (const row of catalog.rows) for (const param of Object.keys(row.params)) names.add(param);
  }
  return [...names, "seconds", "started"];
}

/** The value a row sorts by: a metric, a param, its duration or start time. */
function sortValue(row: CatalogRow, key: string): number | string | undefined {
  if (key in row.metrics) return row.metrics[key];
  if (key in row.params) {
    const value = row.params[key];
    return typeof value === "number" || typeof value === "string" ? value : canonicalText(value);
  }
  if (key === "seconds") return row.seconds;
  if (key === "started") return row.startedAt;
  return undefined;
}

/** The catalogs with each stage's rows ordered by `key` (highest first unless ascending); rows without it go last, in time order. */
export function sortCatalogs(catalogs: readonly StageCatalog[], key: string, ascending: boolean): StageCatalog[] {
  return catalogs.map((catalog) => {
    const rows = catalog.rows
      .map((row, index) => ({ row, index, value: sortValue(row, key) }))
      .sort((a, b) => {
        if (a.value === undefined || b.value === undefined || (typeof a.value === "number" && Number.isNaN(a.value)) || (typeof b.value === "number" && Number.isNaN(b.value))) {
          const missing = Number(a.value === undefined || Number.isNaN(a.value)) - Number(b.value === undefined || Number.isNaN(b.value));
          return missing || a.index - b.index;
        }
        const order = typeof a.value === "number" && typeof b.value === "number" ? a.value - b.value : String(a.value) < String(b.value) ? -1 : String(a.value) > String(b.value) ? 1 : 0;
        return (ascending ? order : -order) || a.index - b.index;
      })
      .map(({ row }) => row);
    return { ...catalog, rows };
  });
}

/**
 * The catalog of `stages` (names as in the file), what every stage of the (expanded) pipeline
 * resolves to, and the damaged entries met on the way, in words. Read-only.
 */
export async function readCatalog(project: Project, stages: readonly string[]): Promise<{ catalogs: StageCatalog[]; resolved: Map<string, ResolvedStage>; damage: string[] }> {
  const resolved = await resolvePipeline(project, topoOrder(project.pipeline));
  const all = await project.store.list();
  return { catalogs: buildCatalog(stages, all, resolved), resolved, damage: damageNotes(resolved.values()) };
}
