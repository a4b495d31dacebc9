/**
 * A streaming CSV reader (RFC 4180): comma-separated, quoted fields with `""` for a quote, CRLF or
 * LF line ends, line breaks inside quoted fields, a UTF-8 BOM ignored. It pulls chunks one at a time
 * and yields one record at a time, so a file of any length is read in constant memory; a record
 * longer than `maxRecordChars` stops the read (it is most likely an unterminated quote, after which
 * nothing can be trusted). A malformed record (a stray quote) is yielded as an error and reading
 * resumes at the next line. Blank lines are skipped but counted, so `line` is the spreadsheet row.
 * Bytes that are not UTF-8 read as U+0000 (`utf8-text.ts`).
 */
import { RuleViolationError } from '../../errors.js';
import { utf8Text } from './utf8-text.js';

/** One record: its row number (the header is row 1) and its fields, or why it could not be read. */
export type CsvRecord =
  | { line: number; fields: string[] }
  | { line: number; error: { code: 'csv_malformed'; detail: string } };

export type CsvOptions = { maxRecordChars?: number };

const DEFAULT_MAX_RECORD_CHARS = 65_536;

type Mode = 'start' | 'plain' | 'quoted' | 'closed' | 'broken';

/** The reader's state between chunks. */
type Reader = {
  mode: Mode; field: string; fields: string[]; chars: number; line: number; skipLf: boolean; problem: string;
  max: number; out: CsvRecord[];
};

const endField = (r: Reader): void => {
  r.fields.push(r.field);
  r.field = '';
  r.mode = 'start';
};

const endRecord = (r: Reader): void => {
  r.line += 1;
  if (r.mode === 'broken') r.out.push({ line: r.line, error: { code: 'csv_malformed', detail: r.problem } });
  else {
    r.fields.push(r.field);
    if (r.fields.length > 1 || r.fields[0] !== '') r.out.push({ line: r.line, fields: r.fields });
  }
  r.fields = [];
  r.field = '';
  r.chars = 0;
  r.mode = 'start';
};

const breakRecord = (r: Reader, problem: string): void => {
  r.mode = 'broken';
  r.problem = problem;
};

/** Outside quotes: a separator, a line end, or an ordinary character. */
const unquoted = (r: Reader, c: string): void => {
  if (c === ',') endField(r);
  else if (c === '\n' || c === '\r') {
    endRecord(r);
    r.skipLf = c === '\r';
  } else if (c === '"') {
    if (r.mode === 'start') r.mode = 'quoted';
    else breakRecord(r, 'A quote inside an unquoted field (quote the whole field and double the quote)');
  } else if (r.mode === 'closed') breakRecord(r, 'Characters after a closing quote');
  else {
    r.field += c;
    r.mode = 'plain';
  }
};

const step = (r: Reader, c: string): void => {
  if (r.skipLf) {
    r.skipLf = false;
    if (c === '\n') return;
  }
  if (r.mode === 'quoted') {
    if (c === '"') r.mode = 'closed';
    else r.field += c;
  } else if (r.mode === 'closed' && c === '"') {
    r.field += '"';
    r.mode = 'quoted';
  } else if (r.mode === 'broken') {
    if (c === '\n' || c === '\r') {
      endRecord(r);
      r.skipLf = c === '\r';
    }
  } else unquoted(r, c);
};

const tooLong = (r: Reader): RuleViolationError =>
  new RuleViolationError('csv_record_too_large', `Row ${r.line + 1} exceeds ${r.max} characters (an unterminated quote?)`, { row: r.line + 1 });

const feed = (r: Reader, text: string): void => {
  for (const c of text) {
    step(r, c);
    if (r.mode !== 'start' && ++r.chars > r.max) throw tooLong(r);
  }
};

const finish = (r: Reader): void => {
  if (r.mode === 'quoted') breakRecord(r, 'The file ends inside a quoted field');
  if (r.mode !== 'start' || r.fields.length > 0) endRecord(r);
};

/**
 * The records of a CSV byte (or text) stream, read lazily: the next chunk is pulled only once the
 * records of the previous one have been taken, so a slow consumer slows the producer (backpressure).
 * @throws RuleViolationError `csv_record_too_large` when a record exceeds `maxRecordChars`.
 */
export async function* csvRecords(chunks: AsyncIterable<Buffer | string>, options: CsvOptions = {}): AsyncGenerator<CsvRecord> {
  const decoder = utf8Text();
  const r: Reader = {
    mode: 'start', field: '', fields: [], chars: 0, line: 0, skipLf: false, problem: '',
    max: options.maxRecordChars ?? DEFAULT_MAX_RECORD_CHARS, out: [],
  };
  let first = true;
  for await (const chunk of chunks) {
    let text = typeof chunk === 'string' ? chunk : decoder.write(chunk);
    if (first && text.length > 0) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      first = false;
    }
    feed(r, text);
    yield* r.out.splice(0);
  }
  feed(r, decoder.end());
  finish(r);
  yield* r.out.splice(0);
}
