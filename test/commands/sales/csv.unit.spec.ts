import { expect } from 'chai';
import { csvRecords, type CsvRecord } from '../../../src/commands/sales/csv.js';
import { AppError } from '../../../src/errors.js';

/** Feeds `chunks` one at a time (as bytes unless told otherwise) and collects the records. */
const read = async (chunks: Array<string | Buffer>, options = {}): Promise<CsvRecord[]> => {
  async function* source() {
    for (const chunk of chunks) yield typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
  }
  const records: CsvRecord[] = [];
  for await (const record of csvRecords(source(), options)) records.push(record);
  return records;
};

const fieldsOf = (records: CsvRecord[]) => records.map((r) => ('fields' in r ? r.fields : r.error.code));

/** Every way of cutting `text` in two between characters: a record must read the same wherever a chunk ends. */
const everySplit = (text: string): string[][] => {
  const chars = Array.from(text);
  return Array.from({ length: chars.length + 1 }, (_, i) => [chars.slice(0, i).join(''), chars.slice(i).join('')]);
};

describe('csvRecords', () => {
  it('reads plain fields with LF or CRLF line ends, numbering rows from the header', async () => {
    const records = await read(['a,b,c\r\n1,2,3\n4,,6\r\n']);
    expect(records).to.deep.equal([
      { line: 1, fields: ['a', 'b', 'c'] }, { line: 2, fields: ['1', '2', '3'] }, { line: 3, fields: ['4', '', '6'] },
    ]);
  });

  it('reads quoted fields: separators, escaped quotes and line breaks inside', async () => {
    const records = await read(['name,note\n"Doe, Jane","She said ""hi""\r\nand left"\n"",x\n']);
    expect(fieldsOf(records)).to.deep.equal([['name', 'note'], ['Doe, Jane', 'She said "hi"\r\nand left'], ['', 'x']]);
    expect(records[2]!.line).to.equal(3);
  });

  it('reads the last record without a final line end, and a trailing empty field', async () => {
    expect(fieldsOf(await read(['a,b\n1,']))).to.deep.equal([['a', 'b'], ['1', '']]);
  });

  it('skips blank lines but counts them, and ignores a UTF-8 byte order mark', async () => {
    const records = await read(['\uFEFFa\n\n\r\nb\n']);
    expect(records).to.deep.equal([{ line: 1, fields: ['a'] }, { line: 4, fields: ['b'] }]);
  });

  it('reads the same records wherever the chunks are cut, even inside a multi-byte character or a CRLF', async () => {
    const text = 'x,y\r\n"a ""q""\r\nb",é€😀\r\nc,d';
    const expected = [['x', 'y'], ['a "q"\r\nb', 'é€😀'], ['c', 'd']];
    for (const [head, tail] of everySplit(text)) expect(fieldsOf(await read([head!, tail!]))).to.deep.equal(expected);
    const bytes = Buffer.from(text);
    for (let i = 0; i <= bytes.length; i++) {
      expect(fieldsOf(await read([bytes.subarray(0, i), bytes.subarray(i)]))).to.deep.equal(expected);
    }
  });

  it('reports a stray quote as a malformed row and goes on with the next line', async () => {
    const records = await read(['a,b\nab"c,d\n"x"y,z\nok,1\n']);
    expect(fieldsOf(records)).to.deep.equal([['a', 'b'], 'csv_malformed', 'csv_malformed', ['ok', '1']]);
    expect(records.map((r) => r.line)).to.deep.equal([1, 2, 3, 4]);
  });

  it('reports a file ending inside a quoted field as a malformed last row', async () => {
    expect(fieldsOf(await read(['a\n"open\nstill open']))).to.deep.equal([['a'], 'csv_malformed']);
  });

  it('stops with 422 csv_record_too_large when a record outgrows the limit', async () => {
    let error: unknown;
    try {
      await read(['a\n"', 'x'.repeat(50), 'x'.repeat(60)], { maxRecordChars: 100 });
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(AppError);
    expect([(error as AppError).status, (error as AppError).code]).to.deep.equal([422, 'csv_record_too_large']);
  });

  it('pulls the next chunk only when the records of the previous one are taken', async () => {
    let pulled = 0;
    async function* source() {
      for (let i = 0; i < 1000; i++) {
        pulled += 1;
        yield Buffer.from(`row${i}\n`);
      }
    }
    const records = csvRecords(source());
    await records.next();
    await records.next();
    expect(pulled).to.equal(2);
  });
});
