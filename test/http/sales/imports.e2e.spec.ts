import { expect } from 'chai';
import { request } from 'node:http';
import { connect } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { gzipSync } from 'node:zlib';
import { runInNewContext } from 'node:vm';
import { tokenFor } from '../../support/http.js';
import { salesSession } from './session.js';

type Upload = string | ReadableStream<Uint8Array>;

/** V8's collector, to measure the heap that stays alive rather than garbage not yet collected. */
const collector = (): (() => void) => {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
};
type Answer = { status: number; body: any };

/** The streamed test's size: 100,000 rows with `IMPORT_100K=1`, else a size the suite affords. */
const STREAMED_ROWS = process.env.IMPORT_100K === '1' ? 100_000 : 5_000;
const HEAP_GROWTH_BOUND = 150 * 1_048_576;

/** `count` contact rows, produced a chunk at a time as the request pulls them (never the whole file in memory). */
const contactRows = (count: number): ReadableStream<Uint8Array> => {
  const encoder = new TextEncoder();
  let next = 0;
  return new ReadableStream({
    pull: (controller) => {
      if (next === 0) controller.enqueue(encoder.encode('firstName,lastName,email,city,tags\r\n'));
      const end = Math.min(count, next + 200);
      let chunk = '';
      for (; next < end; next++) chunk += `Bulk,"Row ${next}",bulk${next}@streamed.example,"Oslo, NO",bulk;streamed\r\n`;
      controller.enqueue(encoder.encode(chunk));
      if (next >= count) controller.close();
    },
  });
};

describe('/sales/imports', () => {
  const s = salesSession();
  const { server, admin, globex, head } = s;

  const upload = async (path: string, body: Upload, token = admin(), type = 'text/csv'): Promise<Answer> => {
    const res = await fetch(`${server().url}${path}`, {
      method: 'POST', body, headers: { Authorization: `Bearer ${token}`, 'Content-Type': type }, duplex: 'half',
    } as RequestInit);
    const text = await res.text();
    await s.reachedHead();
    return { status: res.status, body: text === '' ? undefined : JSON.parse(text) };
  };

  /** Every record of the list `path` matching `filter`, page by page. */
  const listAll = async (path: string, filter: string, token = admin()): Promise<any[]> => {
    const rows: any[] = [];
    let cursor = '';
    do {
      const page = (await s.get(`${path}?limit=200&filter=${encodeURIComponent(filter)}${cursor ? `&cursor=${cursor}` : ''}`, token)).body;
      rows.push(...page.data);
      cursor = page.page.nextCursor ?? '';
    } while (cursor);
    return rows;
  };

  const IMPORTED = 'jobTitle[eq]:"Imported"';
  const CONTACTS = [
    'firstName,lastName,email,phone,city,country,tags,jobTitle',
    'Ada,Lovelace,ada@import.example,+44 20 7946 0000,"London, UK",GB,vip; engines,Imported',
    'Alan,"Turing ""Prof""",alan@import.example,,"Manchester",GB,,Imported',
    'Grace,Hopper,grace@import.example,,,US,navy,Imported',
  ].join('\r\n');

  describe('POST /sales/imports/contacts', () => {
    it('imports whatever the case of the path, as the router matches it', async () => {
      const res = await upload('/sales/Imports/contacts', 'firstName,lastName,email\nCase,Path,case.path@imports.example\n');
      expect([res.status, res.body?.created]).to.deep.equal([200, 1]);
    });

    it('creates a contact per row through the create path: quoted cells, empty cells absent, tags split, personal data encrypted', async () => {
      const res = await upload('/sales/imports/contacts', `${CONTACTS}\r\n`);
      expect(res.status).to.equal(200);
      expect(res.body).to.deep.equal({ rows: 3, created: 3, skipped: 0, failed: 0, errors: [], errorsOmitted: 0 });
      const [ada, alan] = (await listAll('/sales/contacts', IMPORTED)).sort((a, b) => a.firstName.localeCompare(b.firstName));
      expect(ada).to.include({ lastName: 'Lovelace', city: 'London, UK', country: 'GB', ownerId: 'user-admin' });
      expect(ada.tags).to.deep.equal(['engines', 'vip']);
      expect(ada.subjectId).to.be.a('string');
      expect(alan.lastName).to.equal('Turing "Prof"');
      expect(alan).to.not.have.property('phone');
      const [created] = await server().store.readStream(`acme/sales.contact/${ada.id}`);
      expect(JSON.stringify(created!.data)).to.not.include('ada@import.example');
    });

    it('creates nothing twice when the same file is sent again: every row skipped, nothing appended', async () => {
      const before = await head();
      const count = (await listAll('/sales/contacts', IMPORTED)).length;
      const res = await upload('/sales/imports/contacts', CONTACTS);
      expect(res.body).to.include({ rows: 3, created: 0, skipped: 3, failed: 0 });
      expect(await head()).to.equal(before);
      expect(await listAll('/sales/contacts', IMPORTED)).to.have.length(count);
    });

    it('counts a row once when two imports of one file run at once: created by one, skipped by the other', async () => {
      const lines = ['firstName,lastName,email', ...Array.from({ length: 60 }, (_, i) => `Twin,Import${i},twin${i}@import.example`)].join('\n');
      const [a, b] = await Promise.all([upload('/sales/imports/contacts', lines), upload('/sales/imports/contacts', lines)]);
      expect([a.body.created + b.body.created, a.body.skipped + b.body.skipped, a.body.failed + b.body.failed]).to.deep.equal([60, 60, 0]);
      expect(await listAll('/sales/contacts', 'email[startsWith]:"twin"')).to.have.length(60);
    });

    it('imports the field columns of its own export back (tags `;`-separated both ways)', async () => {
      const exported = await fetch(`${server().url}/sales/contacts/export?format=csv&filter=${encodeURIComponent('email[eq]:"ada@import.example"')}`, { headers: { Authorization: `Bearer ${admin()}` } });
      const [header, row] = (await exported.text()).trim().split('\r\n');
      expect(header).to.match(/,erasedFields$/);
      const keep = ['firstName', 'lastName', 'email', 'tags', 'jobTitle'];
      const columns = header!.split(',');
      const cells = row!.split(',');
      const picked = keep.map((name) => cells[columns.indexOf(name)]);
      expect(picked[3]).to.equal('engines;vip');
      const again = await upload('/sales/imports/contacts', `${keep.join(',')}\n${picked.join(',').replace('ada@import.example', 'ada.copy@import.example')}`);
      expect(again.body).to.include({ created: 1, failed: 0 });
      const [copy] = await listAll('/sales/contacts', 'email[eq]:"ada.copy@import.example"');
      expect(copy.tags).to.deep.equal(['engines', 'vip']);
    });

    it("imports back, as they were, the values its export guarded against spreadsheet formulas ('+44 …, '+Plus, '@home)", async () => {
      const original = { firstName: 'Pat', lastName: '+Plus', email: 'pat@guard.example', phone: '+44 20 7946 0001', jobTitle: '@home' };
      const made = await s.send('POST', '/sales/contacts', original);
      expect(made.status, JSON.stringify(made.body)).to.equal(201);
      const exported = await fetch(`${server().url}/sales/contacts/export?format=csv&filter=${encodeURIComponent('email[eq]:"pat@guard.example"')}`, { headers: { Authorization: `Bearer ${admin()}` } });
      const [header, row] = (await exported.text()).trim().split('\r\n');
      const keep = ['firstName', 'lastName', 'email', 'phone', 'jobTitle'];
      const cells = row!.split(',');
      const picked = keep.map((name) => cells[header!.split(',').indexOf(name)]);
      expect(picked).to.deep.equal(['Pat', "'+Plus", 'pat@guard.example', "'+44 20 7946 0001", "'@home"]);
      const again = await upload('/sales/imports/contacts', `${keep.join(',')}\n${picked.join(',').replace('pat@guard.example', 'pat.copy@guard.example')}`);
      expect(again.body).to.include({ created: 1, failed: 0 });
      const [copy] = await listAll('/sales/contacts', 'email[eq]:"pat.copy@guard.example"');
      expect(copy).to.deep.include({ lastName: '+Plus', phone: '+44 20 7946 0001', jobTitle: '@home' });
    });

    it('resumes a file cut short: the rows imported before are skipped, the rest created', async () => {
      const lines = ['firstName,lastName,email', ...Array.from({ length: 6 }, (_, i) => `Res,Umed${i},resume${i}@import.example`)];
      expect((await upload('/sales/imports/contacts', lines.slice(0, 4).join('\n'))).body).to.include({ created: 3 });
      expect((await upload('/sales/imports/contacts', lines.join('\n'))).body).to.include({ rows: 6, created: 3, skipped: 3 });
    });

    it('reports each bad row (invalid email, missing required, duplicate email, malformed, wrong cell count) and imports the others', async () => {
      const existing = await s.send('POST', '/sales/contacts', { firstName: 'Kept', lastName: 'Before', email: 'taken@rows.example' });
      const file = [
        'firstName,lastName,email,jobTitle', 'Good,One,good1@rows.example,Rows', 'Bad,Email,not-an-email,Rows', 'Missing,,missing@rows.example,Rows',
        'Dup,First,dup@rows.example,Rows', 'Dup,Second,DUP@rows.example,Rows', 'Taken,Again,taken@rows.example,Rows',
        'Bro"ken,Row,broken@rows.example,Rows', 'Too,Many,cells@rows.example,Rows,extra', 'Good,Two,good2@rows.example,Rows',
      ].join('\n');
      const res = await upload('/sales/imports/contacts', file);
      expect(res.status).to.equal(200);
      expect(res.body).to.include({ rows: 9, created: 3, skipped: 0, failed: 6 });
      expect(res.body.errors.map((e: any) => [e.row, e.code])).to.deep.equal([
        [3, 'validation_failed'], [4, 'validation_failed'], [6, 'duplicate_email'], [7, 'duplicate_email'], [8, 'csv_malformed'], [9, 'column_count'],
      ]);
      expect(res.body.errors[0].errors).to.deep.equal([{ pointer: '/email', message: 'must match format "email"' }]);
      expect(res.body.errors[1].errors).to.deep.equal([{ pointer: '/lastName', message: 'is required' }]);
      const emails = (await listAll('/sales/contacts', 'jobTitle[eq]:"Rows"')).map((c) => c.email).sort();
      expect(emails).to.deep.equal(['dup@rows.example', 'good1@rows.example', 'good2@rows.example']);
      expect(existing.status).to.equal(201);
    });

    it('reports a row holding a NUL or bytes that are not UTF-8 (a Latin-1 file) as invalid_text, stored nowhere, and imports the others', async () => {
      const latin1 = Buffer.from('J\xfcrgen,M\xfcller,juergen@text.example,Text\n', 'latin1');
      const file = Buffer.concat([
        Buffer.from('firstName,lastName,email,jobTitle\nNu\u0000l,Byte,nul@text.example,Text\n'), latin1, Buffer.from('Zoë,Ünal,zoe@text.example,Text\n'),
      ]);
      const res = await upload('/sales/imports/contacts', new Blob([file]).stream());
      expect(res.status).to.equal(200);
      expect(res.body).to.include({ rows: 3, created: 1, failed: 2 });
      expect(res.body.errors.map((e: any) => [e.row, e.code, e.errors[0].pointer])).to.deep.equal([[2, 'invalid_text', '/firstName'], [3, 'invalid_text', '/firstName']]);
      const names = (await listAll('/sales/contacts', 'jobTitle[eq]:"Text"')).map((c) => `${c.firstName} ${c.lastName}`);
      expect(names).to.deep.equal(['Zoë Ünal']);
    });

    it('imports a genuine U+FFFD (a record the API took, exported) as text', async () => {
      const file = Buffer.from('firstName,lastName,email,jobTitle\nRen\u00e9,M\ufffdller,fffd@text.example,Replacement\n');
      const res = await upload('/sales/imports/contacts', new Blob([file]).stream());
      expect(res.body).to.include({ rows: 1, created: 1, failed: 0 });
      const [contact] = await listAll('/sales/contacts', 'jobTitle[eq]:"Replacement"');
      expect(`${contact.firstName} ${contact.lastName}`).to.equal('Ren\u00e9 M\ufffdller');
    });

    it('reads a body sent with Content-Encoding gzip, as the JSON bodies are read; 415 for a coding it does not know, 400 for a broken one, nothing created', async () => {
      const file = 'firstName,lastName,email,jobTitle\nZip,Ped,zip@coding.example,Coded\n';
      const send = async (coding: string, body: Uint8Array) => {
        const res = await fetch(`${server().url}/sales/imports/contacts`, {
          method: 'POST', body, headers: { Authorization: `Bearer ${admin()}`, 'Content-Type': 'text/csv', 'Content-Encoding': coding },
        });
        return { status: res.status, accept: res.headers.get('Accept-Encoding'), body: (await res.json()) as any };
      };
      const compress = await send('compress', Buffer.from(file));
      const broken = await send('gzip', Buffer.from(file));
      expect([compress.status, compress.body.code, compress.accept, broken.status, broken.body.code]).to.deep.equal([
        415, 'unsupported_media_type', 'gzip, deflate, br', 400, 'invalid_content_encoding',
      ]);
      await s.reachedHead();
      expect(await listAll('/sales/contacts', 'jobTitle[eq]:"Coded"')).to.deep.equal([]);
      const gzipped = await send('gzip', gzipSync(file));
      expect(gzipped.body).to.include({ rows: 1, created: 1, failed: 0 });
      await s.reachedHead();
      expect((await listAll('/sales/contacts', 'jobTitle[eq]:"Coded"')).map((c) => c.email)).to.deep.equal(['zip@coding.example']);
    });

    it('refuses a header naming an unknown or read-only column (422) before creating anything', async () => {
      const before = await head();
      const unknown = await upload('/sales/imports/contacts', 'firstName,lastName,email,shoeSize\nA,B,a@unknown.example,44\n');
      const readOnly = await upload('/sales/imports/contacts', 'firstName,lastName,email,mergedInto\nA,B,a@unknown.example,x\n');
      const missing = await upload('/sales/imports/contacts', 'firstName,email\nA,a@unknown.example\n');
      expect([unknown, readOnly, missing].map((r) => [r.status, r.body.code])).to.deep.equal([
        [422, 'unknown_column'], [422, 'unknown_column'], [422, 'missing_column'],
      ]);
      expect(unknown.body.unknown).to.deep.equal(['shoeSize']);
      expect(await head()).to.equal(before);
    });

    it('refuses another media type (415), an empty file (422) and a caller without sales.contacts:create (403)', async () => {
      const before = await head();
      const auditor = await tokenFor(server(), { tenantId: 'acme', actorId: 'user-audit', roles: ['auditor'] });
      const json = await upload('/sales/imports/contacts', '{"firstName":"A"}', admin(), 'application/json');
      const csvAsJson = await upload('/sales/imports/contacts', CONTACTS, admin(), 'application/json');
      expect([csvAsJson.status, csvAsJson.body.code]).to.deep.equal([415, 'unsupported_media_type']);
      const empty = await upload('/sales/imports/contacts', '');
      const forbidden = await upload('/sales/imports/contacts', CONTACTS, auditor);
      expect([json, empty, forbidden].map((r) => [r.status, r.body.code])).to.deep.equal([
        [415, 'unsupported_media_type'], [422, 'empty_file'], [403, 'forbidden'],
      ]);
      expect(await head()).to.equal(before);
    });

    it('refuses an announced body over 200 MB with 413 before reading it', async () => {
      const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = request(`${server().url}/sales/imports/contacts`, {
          method: 'POST', headers: { Authorization: `Bearer ${admin()}`, 'Content-Type': 'text/csv', 'Content-Length': String(201 * 1_048_576) },
        }, (res) => {
          let body = '';
          res.on('data', (chunk) => (body += chunk)).on('end', () => resolve({ status: res.statusCode!, body }));
        });
        req.on('error', reject);
        req.flushHeaders();
      });
      expect(answer.status).to.equal(413);
      expect(JSON.parse(answer.body).code).to.equal('payload_too_large');
    });

    it('stops at a record over 64 KiB (an unterminated quote) with 422, answering what was done before', async () => {
      const encoder = new TextEncoder();
      let sent = 0;
      const body = new ReadableStream<Uint8Array>({
        pull: (controller) => {
          if (sent === 0) controller.enqueue(encoder.encode('firstName,lastName,email\nBefore,Stop,before@stop.example\nC,"never closed'));
          else if (sent < 100) controller.enqueue(encoder.encode('x'.repeat(1_000)));
          else controller.close();
          sent += 1;
        },
      });
      const res = await upload('/sales/imports/contacts', body);
      expect([res.status, res.body.code, res.body.row]).to.deep.equal([422, 'csv_record_too_large', 3]);
      expect(res.body.summary).to.include({ rows: 1, created: 1 });
    });

    it('keeps tenants apart: another tenant\'s import of the same file creates its own records, unseen by the first', async () => {
      const res = await upload('/sales/imports/contacts', CONTACTS, globex());
      expect(res.body).to.include({ created: 3, skipped: 0 });
      const theirs = await listAll('/sales/contacts', IMPORTED, globex());
      const ours = await listAll('/sales/contacts', IMPORTED);
      expect(theirs).to.have.length(3);
      expect(theirs.map((c) => c.id)).to.not.include.members(ours.map((c) => c.id));
    });

    it(`streams ${STREAMED_ROWS} rows through in flat memory`, async function () {
      this.timeout(STREAMED_ROWS === 100_000 ? 1_800_000 : 120_000);
      const gc = collector();
      gc();
      const baseline = process.memoryUsage().heapUsed;
      let [peak, live] = [baseline, baseline];
      const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().heapUsed)), 100);
      const liveSampler = setInterval(() => (gc(), (live = Math.max(live, process.memoryUsage().heapUsed))), 2_000);
      const started = Date.now();
      const res = await upload('/sales/imports/contacts', contactRows(STREAMED_ROWS)).finally(() => (clearInterval(sampler), clearInterval(liveSampler)));
      const mb = (bytes: number) => `${(bytes / 1_048_576).toFixed(1)} MB`;
      console.log(`      ${STREAMED_ROWS} rows in ${((Date.now() - started) / 1000).toFixed(1)} s; heap growth: peak ${mb(peak - baseline)}, live (after GC) ${mb(live - baseline)}`);
      expect(res.body).to.include({ rows: STREAMED_ROWS, created: STREAMED_ROWS, failed: 0 });
      expect(peak - baseline).to.be.below(HEAP_GROWTH_BOUND);
    });
  });

  describe('the server\'s client errors (answerClientErrors)', () => {
    it('answers a malformed request 400 as a problem, connection closed', async () => {
      const answer = await new Promise<string>((resolve, reject) => {
        let text = '';
        const socket = connect(server().port, '127.0.0.1', () => socket.write('NOT HTTP AT ALL\r\n\r\n'));
        socket.on('data', (chunk) => (text += chunk)).on('close', () => resolve(text)).on('error', reject);
      });
      expect(answer).to.match(/^HTTP\/1\.1 400 Bad Request\r\n/).and.match(/"code":"malformed_request"/);
    });
  });

  describe('POST /sales/imports/leads', () => {
    it('creates leads (status new, scored by the tenant\'s rules) and reports an invalid row', async () => {
      const file = 'firstName,lastName,email,company,source,phone\nLin,Lead,lin@leads.example,Acme,fair,+1 555 0100\nNo,Mail,not-an-email,,,\n';
      const res = await upload('/sales/imports/leads', file);
      expect(res.body).to.include({ rows: 2, created: 1, failed: 1 });
      expect(res.body.errors[0]).to.include({ row: 3, code: 'validation_failed' });
      const [lead] = await listAll('/sales/leads', 'email[eq]:"lin@leads.example"');
      expect(lead).to.include({ company: 'Acme', source: 'fair', score: 30, leadStatus: 'new' });
      expect(lead.scoreReasons).to.deep.equal(['company_given', 'phone_given']);
      expect((await upload('/sales/imports/leads', file)).body).to.include({ created: 0, skipped: 1, failed: 1 });
    });

    it('refuses the lead\'s read-only status and score columns (422 unknown_column)', async () => {
      for (const column of ['leadStatus', 'score']) {
        const res = await upload('/sales/imports/leads', `firstName,lastName,email,${column}\nA,B,a@leads.example,42\n`);
        expect([res.status, res.body.code]).to.deep.equal([422, 'unknown_column']);
      }
    });
  });
});
