// Parses a YAML file keeping its syntax tree, so any path in the parsed value maps back to a line and column.
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from "yaml";
import { configError, type ConfigError, type Span } from "./config-error.js";

/** A `${name}` inside a flow mapping or list without quotes: YAML reads its `{` as a mapping. */
const UNQUOTED_REFERENCE = /[{[][^"']*\$\{/;

/** A path into the parsed value: mapping keys and list indices. */
export type YamlPath = readonly (string | number)[];

/** A parsed YAML file: its plain value and a way back from any path in it to the source. */
export interface YamlSource {
  /** The file as shown in messages. */
  readonly file: string;
  /** The document as plain JavaScript values (mappings become objects). */
  readonly value: unknown;
  /** Syntax errors and duplicate keys, positioned. */
  readonly errors: readonly ConfigError[];
  /** True when the syntax errors leave the document unreliable (anything worse than a duplicate key). */
  readonly broken: boolean;
  /** The span of a mapping key at `path` (the last element is the key), or of the nearest enclosing node. */
  keySpan(path: YamlPath): Span;
  /** The span of the value at `path`; an empty value falls back to its key. */
  valueSpan(path: YamlPath): Span;
  /** The span of `needle` inside the one-line source text of the value at `path`, else the value's span. */
  textSpan(path: YamlPath, needle: string): Span;
}

/** Parses `text` (the contents of `file`) into a YamlSource; never throws on bad YAML. */
export function readYaml(text: string, file: string): YamlSource {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const lines = text.split(/\r?\n/);

  const spanAt = (start: number, end: number): Span => {
    const { line, col } = lineCounter.linePos(start);
    const sourceLine = lines[line - 1] ?? "";
    const lineEnd = lineCounter.linePos(end);
    let endCol: number | undefined;
    if (end > start) endCol = lineEnd.line === line ? lineEnd.col : sourceLine.length + 1;
    return endCol === undefined || endCol <= col ? { line, col, sourceLine } : { line, col, endCol, sourceLine };
  };
  const nodeSpan = (node: Node | null | undefined): Span | undefined => {
    if (!node?.range) return undefined;
    const [start, valueEnd] = node.range;
    return spanAt(start, valueEnd);
  };
  const documentStart: Span = spanAt(0, 0);

  const errors: ConfigError[] = [];
  let broken = false;
  for (const error of doc.errors) {
    const [start, end] = error.pos;
    if (error.code === "DUPLICATE_KEY") {
      const stop = Math.max(end, keyEnd(text, start));
      const key = text.slice(start, stop).trim().replace(/^(["'])(.*)\1$/, "$2");
      const span = spanAt(start, stop);
      errors.push(configError("yaml-syntax", file, span, `duplicate key "${key}"`, "each key may appear only once in a mapping"));
    } else {
      broken = true;
      const span = spanAt(start, end);
      // The parser often reports one mistake several times on its line; the first says it best.
      if (errors.some((other) => other.line === span.line)) continue;
      const hint = UNQUOTED_REFERENCE.test(span.sourceLine ?? "") ? 'inside { } or [ ], quote a reference: "${name}"' : undefined;
      errors.push(configError("yaml-syntax", file, span, error.message, hint));
    }
  }

  let value: unknown = null;
  if (!broken) {
    try {
      value = doc.toJS({ maxAliasCount: 1000 });
    } catch (error) {
      broken = true;
      errors.push(configError("yaml-syntax", file, documentStart, (error as Error).message));
    }
  }

  const walk = (path: YamlPath): { key?: Node; value?: Node; parent?: Node } => {
    let node = resolveAlias(doc, doc.contents as Node | null);
    let key: Node | undefined;
    let parent: Node | undefined;
    for (const step of path) {
      let found = false;
      let next: Node | undefined;
      if (isMap(node)) {
        const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(step));
        if (pair !== undefined) {
          found = true;
          key = pair.key as Node;
          next = resolveAlias(doc, pair.value as Node | null);
        }
      } else if (isSeq(node)) {
        const item = node.items[Number(step)] as Node | undefined;
        if (item !== undefined) {
          found = true;
          key = undefined;
          next = resolveAlias(doc, item);
        }
      }
      // A path that leaves the tree stops at the deepest node found, reported through its key.
      if (!found) return { ...(key ? { key } : {}), ...(node ? { parent: node } : {}) };
      parent = node;
      node = next;
    }
    return { ...(key ? { key } : {}), ...(node ? { value: node } : {}), ...(parent ? { parent } : {}) };
  };
  const isEmpty = (node: Node | undefined): boolean =>
    node === undefined || (isScalar(node) && !!node.range && node.range[0] === node.range[1]);

  const keySpan = (path: YamlPath): Span => {
    const found = walk(path);
    return nodeSpan(found.key) ?? nodeSpan(found.value) ?? nodeSpan(found.parent) ?? documentStart;
  };
  const valueSpan = (path: YamlPath): Span => {
    const found = walk(path);
    if (!isEmpty(found.value)) return nodeSpan(found.value) ?? documentStart;
    return nodeSpan(found.key) ?? nodeSpan(found.parent) ?? documentStart;
  };
  const textSpan = (path: YamlPath, needle: string): Span => {
    const found = walk(path);
    const node = found.value;
    if (node?.range && isScalar(node)) {
      const [start, end] = node.range;
      const index = text.slice(start, end).indexOf(needle);
      if (index >= 0 && !text.slice(start, start + index).includes("\n")) {
        return spanAt(start + index, start + index + needle.length);
      }
    }
    return valueSpan(path);
  };

  return { file, value, errors, broken, keySpan, valueSpan, textSpan };
}

function resolveAlias(doc: Document, node: Node | null | undefined): Node | undefined {
  if (node === null || node === undefined) return undefined;
  if (isAlias(node)) return (node.resolve(doc) as Node | undefined) ?? node;
  return node;
}

/** The end of a plain mapping key starting at `start`: up to the `:` that ends it, else the line end. */
function keyEnd(text: string, start: number): number {
  let end = start;
  while (end < text.length && text[end] !== "\n" && !(text[end] === ":" && /[\s]/.test(text[end + 1] ?? "\n"))) end++;
  while (end > start && /\s/.test(text[end - 1] ?? "")) end--;
  return end;
}
