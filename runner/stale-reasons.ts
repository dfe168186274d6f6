// Why a stage is stale, in words: compares the key inputs of its current entry with today's, part by part.
import { flattenParams } from "./param-values.js";
import type { KeyInputs } from "./stage-key.js";

/** Renders a param value compactly for a reason line. */
function show(value: unknown): string {
  if (value === undefined) return "(unset)";
  return typeof value === "string" ? value : JSON.stringify(value);
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * The differences between the inputs of a stage's last entry and its inputs now, one sentence each:
 * `params.alpha 0.03 → 0.1`, `input data/train.npz changed`, `code of stages/ridge.ts changed`.
 */
export function staleReasons(before: KeyInputs, now: KeyInputs): string[] {
  const reasons: string[] = [];
  if (before.format !== now.format) reasons.push("the cache key format changed (newer dag)");
  if (before.module !== now.module) reasons.push(`module ${before.module} → ${now.module}`);

  const pb = flattenParams(before.params);
  const pn = flattenParams(now.params);
  for (const name of new Set([...Object.keys(pb), ...Object.keys(pn)])) {
    if (!sameValue(pb[name], pn[name])) reasons.push(`params.${name} ${show(pb[name])} → ${show(pn[name])}`);
  }
  if (before.seed !== now.seed) reasons.push(`seed ${before.seed} → ${now.seed}`);

  for (const name of new Set([...Object.keys(before.inputs), ...Object.keys(now.inputs)])) {
    const b = before.inputs[name];
    const n = now.inputs[name];
    if (b === undefined && n !== undefined) reasons.push(`new input ${n.ref}`);
    else if (b !== undefined && n === undefined) reasons.push(`input ${b.ref} removed`);
    else if (b !== undefined && n !== undefined) {
      if (b.ref !== n.ref) reasons.push(`input ${name}: ${b.ref} → ${n.ref}`);
      else if (b.hash !== n.hash) reasons.push(`input ${n.ref} changed`);
    }
  }

  for (const file of new Set([...Object.keys(before.code), ...Object.keys(now.code)])) {
    const b = before.code[file];
    const n = now.code[file];
    if (b === n) continue;
    if (b === undefined) reasons.push(`code ${file} now imported`);
    else if (n === undefined) reasons.push(`code ${file} no longer imported`);
    else if (b === "absent") reasons.push(`code ${file} appeared`);
    else if (n === "absent") reasons.push(`code ${file} disappeared`);
    else reasons.push(`code of ${file} changed`);
  }
  for (const pkg of new Set([...Object.keys(before.packages), ...Object.keys(now.packages)])) {
    if (before.packages[pkg] !== now.packages[pkg]) reasons.push(`package ${pkg} ${before.packages[pkg] ?? "(none)"} → ${now.packages[pkg] ?? "(none)"}`);
  }
  if (!sameValue(before.outs, now.outs)) reasons.push(`declared outputs changed`);
  // Entries of an older key format lack these parts: the format reason above says it all.
  const rb = before.runtime as KeyInputs["runtime"] | undefined;
  const rn = (now.runtime as KeyInputs["runtime"] | undefined) ?? rb;
  if (rb !== undefined && rn !== undefined && rb.node !== rn.node) reasons.push(`node ${rb.node} → ${rn.node}`);
  if (rb !== undefined && rn !== undefined && (rb.platform !== rn.platform || rb.arch !== rn.arch)) reasons.push(`platform ${rb.platform}-${rb.arch} → ${rn.platform}-${rn.arch}`);
  const eb = (before.env as KeyInputs["env"] | undefined) ?? {};
  const en = (now.env as KeyInputs["env"] | undefined) ?? {};
  for (const name of new Set([...Object.keys(eb), ...Object.keys(en)])) {
    const b = eb[name];
    const n = en[name];
    if (b === n) continue;
    const shown = (value: string | null | undefined): string => (value === undefined ? "(not declared)" : value === null ? "(unset)" : JSON.stringify(value));
    reasons.push(`env ${name} ${shown(b)} → ${shown(n)}`);
  }
  if (reasons.length === 0) reasons.push("cache entry missing");
  return reasons;
}
