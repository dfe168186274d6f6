// The test captions.txt: CSV with header `id,caption` (RFC 4180 quoting), read and written.
import { dataError, type DataError } from "./data-error.js";
import { err, ok, type Result } from "../core/result.js";

/** The rows of a captions.txt. */
export interface CaptionsCsv {
  readonly ids: Int32Array;
  readonly captions: string[];
}

/** Splits CSV text into records of fields; quoted fields may hold commas, quotes and line breaks. */
function records(text: string): string[][] | undefined {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  for (; i < text.length; i++) {
    const ch = text[i] as string;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += ch;
    } else if (ch === '"' && field === "") quoted = true;
    else if (ch === ",") {
      row.push(field);
      field = "";
    } else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && text[i + 1] === "\n") i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
    } else field += ch;
  }
  if (quoted) return undefined;
  if (field !== "" || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

/** Parses a captions.txt; `file` names it in errors. Ids must be integers; blank lines are ignored. */
export function parseCaptionsCsv(text: string, file: string): Result<CaptionsCsv, DataError> {
  const rows = records(text);
  if (rows === undefined) return err(dataError("malformed", file, undefined, "malformed CSV: a quoted field is never closed"));
  const header = rows[0];
  if (header === undefined || header[0]?.trim() !== "id" || header[1]?.trim() !== "caption") {
    return err(dataError("wrong-shape", file, undefined, `expected the header "id,caption", got "${(header ?? []).join(",")}"`));
  }
  const ids: number[] = [];
  const captions: string[] = [];
  for (let r = 1; r < rows.length; r++) {
    const row = rows[r] as string[];
    if (row.length === 1 && row[0] === "") continue;
    const id = Number((row[0] ?? "").trim());
    if (!Number.isSafeInteger(id) || id > 2147483647 || id < -2147483648 || (row[0] ?? "").trim() === "") {
      return err(dataError("wrong-shape", file, undefined, `line ${r + 1}: the id "${row[0] ?? ""}" is not an integer`));
    }
    ids.push(id);
    captions.push(row.slice(1).join(","));
  }
  return ok({ ids: Int32Array.from(ids), captions });
}

/** One CSV field, quoted when it holds a comma, a quote or a line break. */
function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** A captions.txt for the given ids and captions. */
export function formatCaptionsCsv(ids: Int32Array, captions: readonly string[]): string {
  const lines = ["id,caption"];
  ids.forEach((id, i) => lines.push(`${id},${csvField(captions[i] ?? "")}`));
  return lines.join("\n") + "\n";
}
