/**
 * The spreadsheet formula guard of CSV exports, and its inverse for imports. A string a spreadsheet
 * would run as a formula (starting with `= + - @`, tab or CR) is exported with a leading `'`, which
 * spreadsheets show without it; an import takes it off again, so an exported file imports back to
 * the values it was made from (a phone `+44 …`, a name `+Plus`).
 */
const FORMULA = /^[=+\-@\t\r]/;
// A value that already reads as a guarded formula (`'+44`) is guarded too, so the import's unguarding gives it back whole.
const GUARDED = /^'*'[=+\-@\t\r]/;

/** `text` as a CSV export writes it: with `'` in front when it would read as a formula, or as a guarded one. */
export const guardFormula = (text: string): string => (FORMULA.test(text) || GUARDED.test(text) ? `'${text}` : text);

/** A cell as an import reads it: the export's one `'` taken off a guarded formula, nothing else changed. */
export const unguardFormula = (cell: string): string => (GUARDED.test(cell) ? cell.slice(1) : cell);
