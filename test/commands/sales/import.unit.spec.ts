import { expect } from 'chai';
import { csvRecords } from '../../../src/commands/sales/csv.js';
import { contentHash, importColumns, importRecords, rowBody, type ImportPlan, type ImportRow } from '../../../src/commands/sales/import.js';
import { AppError, ConflictError, UnavailableError } from '../../../src/errors.js';
import type { RecordedEvent } from '../../../src/events/log/port.js';
import { accountKind } from '../../../src/events/sales/account.js';
import { contactKind } from '../../../src/events/sales/contact.js';
import { leadKind } from '../../../src/events/sales/lead.js';

async function* chunks(text: string) {
  yield Buffer.from(text);
}

const failure = async (run: () => Promise<unknown>): Promise<AppError> => {
  try {
    await run();
  } catch (error) {
    return error as AppError;
  }
  throw new Error('expected a failure');
};

/** A plan over a log holding the streams of `existing` record ids; `create` records what it was sent. */
const planFor = (create: (row: ImportRow) => Promise<unknown>, existing = new Set<string>()): ImportPlan => ({
  create: async (row) => (await create(row)) as { replayed?: true } | undefined,
  kind: contactKind,
  tenantId: 'acme',
  store: { readStream: async (stream) => (existing.has(stream.split('/')[2]!) ? [{} as RecordedEvent] : []) },
  concurrency: 4,
});

describe('bulk import (commands/sales/import)', () => {
  describe('importColumns', () => {
    it('maps the header to writable fields, ownerId and tags, trimming names', () => {
      expect(importColumns(leadKind, [' firstName', 'lastName', 'email', 'source', 'tags', 'ownerId']).map((c) => c.type))
        .to.deep.equal(['string', 'string', 'string', 'string', 'tags', 'string']);
      expect(importColumns(accountKind, ['name', 'employees']).map((c) => c.type)).to.deep.equal(['string', 'integer']);
    });

    it('refuses unknown, read-only (a lead\'s status, its computed score), repeated and missing required columns with 422', () => {
      const codes = [
        ['firstName', 'lastName', 'email', 'nickname'], ['firstName', 'lastName', 'email', 'leadStatus'], ['firstName', 'lastName', 'email', 'score'],
        ['firstName', 'lastName', 'email', 'email'], ['firstName', 'lastName'],
      ].map((header) => {
        try {
          importColumns(leadKind, header);
          return 'accepted';
        } catch (error) {
          return `${(error as AppError).status} ${(error as AppError).code}`;
        }
      });
      expect(codes).to.deep.equal(['422 unknown_column', '422 unknown_column', '422 unknown_column', '422 duplicate_column', '422 missing_column']);
    });
    it('names an empty header cell (a trailing comma) by its place in the detail of unknown_column', () => {
      expect(() => importColumns(leadKind, ['firstName', 'lastName', 'email', ''])).to.throw(AppError)
        .with.property('message', 'Unknown columns: an unnamed column (column 4)');
    });
  });

  describe('rowBody', () => {
    const columns = importColumns(accountKind, ['name', 'website', 'employees', 'tags']);

    it('trims cells, leaves empty cells out, reads integers and splits tags on ;', () => {
      expect(rowBody(columns, [' Acme ', '', '42', 'a; b;;'])).to.deep.equal({ name: 'Acme', employees: 42, tags: ['a', 'b'] });
    });

    it('keeps a cell that is not of its type as text, for validation to name', () => {
      expect(rowBody(columns, ['Acme', '', 'many', ''])).to.include({ employees: 'many' });
    });

    it('refuses a cell holding a NUL (the reader\'s stand-in for bytes that were not UTF-8) with 400 invalid_text pointing at its column', () => {
      expect(() => rowBody(columns, ['Acme', '', '1', 'Ac\u0000me'])).to.throw(AppError).with.property('errors').deep.equal([
        { pointer: '/tags', message: 'a NUL, or bytes that are not UTF-8' },
      ]);
    });

    it('keeps a genuine U+FFFD, which the JSON API takes too', () => {
      expect(rowBody(columns, ['M\ufffdller', '', '1', ''])).to.include({ name: 'M\ufffdller' });
    });

    it('refuses a row with another number of cells than the header (422 column_count)', () => {
      expect(() => rowBody(columns, ['A'])).to.throw(AppError).with.property('code', 'column_count');
    });
  });

  describe('contentHash', () => {
    it('hashes identical content alike whatever the column order, and different content apart', () => {
      expect(contentHash({ a: '1', b: ['x'] })).to.equal(contentHash({ b: ['x'], a: '1' }));
      expect(contentHash({ a: '1' })).to.not.equal(contentHash({ a: '2' }));
    });
  });

  describe('importRecords', () => {
    const file = (rows: number) => `firstName,lastName,email\n${Array.from({ length: rows }, (_, i) => `A,B${i},a${i}@x.example\n`).join('')}`;

    it('keeps at most `concurrency` rows in flight', async () => {
      let inFlight = 0;
      let most = 0;
      const create = async () => {
        most = Math.max(most, ++inFlight);
        await new Promise((resolve) => setTimeout(resolve, 2));
        inFlight -= 1;
      };
      expect(await importRecords(csvRecords(chunks(file(40))), planFor(create))).to.include({ rows: 40, created: 40 });
      expect(most).to.equal(4);
    });

    it('gives identical rows distinct ids by occurrence, the same ones on every run, and skips rows whose record exists', async () => {
      const sent: ImportRow[] = [];
      const text = 'firstName,lastName,email\nA,B,a@x.example\nA,B,a@x.example\n';
      await importRecords(csvRecords(chunks(text)), planFor(async (row) => void sent.push(row)));
      const [first, second] = sent;
      expect(first!.id).to.not.equal(second!.id);
      const again = await importRecords(csvRecords(chunks(text)), planFor(async () => undefined, new Set([first!.id, second!.id])));
      expect(again).to.include({ rows: 2, created: 0, skipped: 2 });
    });

    it('reports a row refused by the create path (4xx) and goes on', async () => {
      const create = async (row: ImportRow) => {
        if (row.line === 3) throw new ConflictError('duplicate_email', 'taken');
      };
      const summary = await importRecords(csvRecords(chunks(file(3))), planFor(create));
      expect(summary).to.deep.include({ rows: 3, created: 2, failed: 1, errors: [{ row: 3, code: 'duplicate_email', detail: 'taken' }] });
    });

    it('stops on a system failure (5xx), carrying the summary so far', async () => {
      const create = async (row: ImportRow) => {
        if (row.line === 10) throw new UnavailableError('event_store_unavailable', 'down');
      };
      const error = await failure(() => importRecords(csvRecords(chunks(file(100))), planFor(create)));
      expect([error.status, error.code]).to.deep.equal([503, 'event_store_unavailable']);
      const summary = error.extra.summary as { rows: number; created: number };
      expect(summary.rows).to.be.below(100);
      expect(summary.created).to.equal(summary.rows - 1);
    });
  });
});
