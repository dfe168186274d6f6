// Text from stages and files made safe for a terminal: escape sequences, control and direction-override characters removed.

/** ESC-introduced sequences: CSI (`ESC [ … final`), OSC (`ESC ] … BEL` or `ESC \`), DCS/SOS/PM/APC strings, and two-byte escapes. */
const ESCAPE_SEQUENCE = /\u001b(?:\[[0-?]*[ -/]*[@-~]?|\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|[PX^_][^\u001b]*(?:\u001b\\)?|[ -~])?/g;
/** The same sequences introduced by their 8-bit C1 codes (CSI U+009B, OSC U+009D, DCS U+0090, SOS U+0098, PM U+009E, APC U+009F). */
const C1_SEQUENCE = /\u009b[0-?]*[ -/]*[@-~]?|[\u009d\u0090\u0098\u009e\u009f][^\u0007\u009c]*(?:\u0007|\u009c)?/g;
/** Any other C0 or C1 control character, DEL included; tab and newline are kept. */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;
/** Bidirectional overrides and isolates, which make a terminal show text in another order than it is. */
const BIDI = /[\u202a-\u202e\u2066-\u2069]/g;

/**
 * `text` without anything a terminal would act on rather than show: colour and cursor codes, title
 * and hyperlink sequences, bells, carriage returns, direction overrides. Newlines and tabs stay.
 */
export function terminalSafe(text: string): string {
  return text.replace(ESCAPE_SEQUENCE, "").replace(C1_SEQUENCE, "").replace(CONTROL, "").replace(BIDI, "");
}

/** The same, on one line: newlines and tabs become spaces (for titles, cells and progress lines). */
export function oneLine(text: string): string {
  return terminalSafe(text).replace(/[\t\n]/g, " ");
}
