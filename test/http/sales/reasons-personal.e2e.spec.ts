import { expect } from 'chai';
import { streamName } from '../../../src/events/log/stream-name.js';
import { isCiphertext } from '../../../src/events/personal-data/cipher.js';
import { appendAsOldVersion } from '../../events/personal-data/support.js';
import { auditExport } from '../../support/audit.js';
import { bytesOfFiles } from '../../support/data-files.js';
import { rebuildProjections } from '../../support/projections.js';
import { salesSession, type SalesSession } from './session.js';

type Made = { id: string; subjectId: string };

/** A record whose reason is about a person: how it is made, the action giving the reason, the event and field holding it. */
type Case = {
  what: string; resource: string; aggregate: string; action: string; event: string; field: string;
  make: (session: SalesSession, n: number) => Promise<Made>;
};

const person = (n: number) => ({ firstName: `Philippa${n}`, lastName: 'Quenby', email: `philippa${n}@example.org` });

const lead = async ({ send, get }: SalesSession, n: number): Promise<Made> => {
  const { id } = (await send('POST', '/sales/leads', person(n))).body;
  return { id, subjectId: (await get(`/sales/leads/${id}`)).body.subjectId };
};

/** An activity linked to a contact: it is about the contact's person. */
const activity = async ({ send, get }: SalesSession, n: number): Promise<Made> => {
  const contactId = (await send('POST', '/sales/contacts', person(n))).body.id;
  const { id } = (await send('POST', '/sales/activities', { kind: 'call', subject: 'Call back', linkedTo: { type: 'contact', id: contactId }, startsAt: '2027-01-04T10:00:00Z' })).body;
  return { id, subjectId: (await get(`/sales/contacts/${contactId}`)).body.subjectId };
};

const CASES: Case[] = [
  { what: 'a lead\'s qualify reason', resource: '/sales/leads', aggregate: 'sales.lead', action: 'qualify', event: 'LeadQualified', field: 'statusReason', make: lead },
  { what: 'a lead\'s disqualify reason', resource: '/sales/leads', aggregate: 'sales.lead', action: 'disqualify', event: 'LeadDisqualified', field: 'statusReason', make: lead },
  {
    what: 'an activity\'s cancel reason', resource: '/sales/activities', aggregate: 'sales.activity', action: 'cancel', event: 'ActivityCancelled', field: 'cancelledReason',
    make: activity,
  },
];

const byId = (id: string) => `filter=${encodeURIComponent(`id[eq]:"${id}"`)}`;

/** The reason as every reader answers it: the record, `asOf` the reason's revision, the list, the export, history, subject access, the audit API. */
const readsOf = async ({ get, server, admin }: SalesSession, c: Case, made: Made, revision: number) => {
  const record = (await get(`${c.resource}/${made.id}`)).body;
  const entry = (await get(`${c.resource}/${made.id}/history`)).body.data.find((e: { revision: number }) => e.revision === revision);
  const access = (await get(`/api/compliance/subjects/${made.subjectId}/export`)).body.records.find((r: { id: string }) => r.id === made.id);
  const audit = `type=${c.event}&recordType=${c.aggregate}`;
  const ours = (e: { recordId: string; revision: number }) => e.recordId === made.id && e.revision === revision;
  const audited = (await get(`/api/audit/events?${audit}`)).body.data.find(ours);
  return {
    record: record[c.field],
    asOf: (await get(`${c.resource}/${made.id}?asOf=${revision}`)).body[c.field],
    list: (await get(`${c.resource}?${byId(made.id)}`)).body.data[0][c.field],
    export: (await get(`${c.resource}/export?format=jsonl&${byId(made.id)}`)).body[c.field],
    history: entry.data.reason,
    accessState: access.state[c.field],
    accessEvent: access.events.find((e: { revision: number }) => e.revision === revision).data.reason,
    audit: audited.data.reason,
    auditExport: (await auditExport(server(), admin(), audit)).find(ours).data.reason,
    erasedFields: record.erasedFields.includes(c.field),
    historyErased: entry.erased,
  };
};

const everywhere = (value: string | null) => ({
  record: value, asOf: value, list: value, export: value, history: value, accessState: value, accessEvent: value, audit: value, auditExport: value,
});
const asWritten = (reason: string) => ({ ...everywhere(reason), erasedFields: false, historyErased: [] });
const erased = { ...everywhere(null), erasedFields: true, historyErased: ['reason'] };

describe('reasons that may name a person are personal data, encrypted under the record\'s subject', () => {
  const session = salesSession();
  const { server, send, get, reachedHead } = session;
  const eventsDb = () => bytesOfFiles(server().dataDir, (name) => name.startsWith('events.db'));
  const erase = async (subjectId: string) => {
    expect((await send('POST', `/api/compliance/subjects/${subjectId}/erase`, { reason: 'GDPR art. 17' })).status).to.equal(200);
    await reachedHead();
  };

  CASES.forEach((c, n) => describe(`${c.what} (${c.event})`, () => {
    const reason = `Spoke to Philippa${n}'s husband Bartholomew: she will not buy`;
    let made: Made;
    let revision: number;
    before(async () => {
      made = await c.make(session, n);
      const given = await send('POST', `${c.resource}/${made.id}/${c.action}`, { reason });
      expect(given.status, JSON.stringify(given.body)).to.equal(200);
      revision = given.body.revision;
    });

    it('is stored encrypted under the person\'s subject, never in plaintext in events.db', async () => {
      const stored = (await server().store.readStream(streamName('acme', c.aggregate, made.id))).find((e) => e.type === c.event)!;
      expect(isCiphertext(stored.data.reason)).to.equal(true);
      expect(stored.data.subjectId).to.equal(made.subjectId);
      expect(stored.metadata.personalData).to.deep.equal({ subjects: [made.subjectId], fields: ['reason'] });
      expect(eventsDb().includes(Buffer.from('Bartholomew'))).to.equal(false);
    });

    it('reads back before the erasure from every reader', async () => {
      expect(await readsOf(session, c, made, revision)).to.deep.equal(asWritten(reason));
    });

    it('reads null and erased from every reader once the person is erased', async () => {
      await erase(made.subjectId);
      expect(await readsOf(session, c, made, revision)).to.deep.equal(erased);
    });
  }));

  describe('stored in plaintext by an older version (no subject id, no descriptor)', () => {
    const legacy = CASES.map((c, n) => ({ c, reason: `Old note ${n}: Philippa${n + 10} is on leave until March` }));
    let made: Made[];
    let revisions: number[];
    before(async () => {
      made = await Promise.all(legacy.map(({ c }, n) => c.make(session, n + 10)));
      revisions = [];
      for (const [n, { c, reason }] of legacy.entries()) {
        await appendAsOldVersion(server().store, streamName('acme', c.aggregate, made[n]!.id), c.event, { reason });
        revisions.push((await server().store.readStream(streamName('acme', c.aggregate, made[n]!.id))).length - 1);
      }
      await reachedHead();
    });

    it('reads it as written while the person has a key', async () => {
      for (const [n, { c, reason }] of legacy.entries()) expect(await readsOf(session, c, made[n]!, revisions[n]!), c.event).to.deep.equal(asWritten(reason));
    });

    it('reads it null and erased from every reader once the person is erased, and after the projections are rebuilt', async () => {
      for (const m of made) await erase(m.subjectId);
      for (const [n, { c }] of legacy.entries()) expect(await readsOf(session, c, made[n]!, revisions[n]!), c.event).to.deep.equal(erased);
      await rebuildProjections(server(), ['sales.lead', 'sales.activity']);
      for (const [n, { c }] of legacy.entries()) expect(await readsOf(session, c, made[n]!, revisions[n]!), c.event).to.deep.equal(erased);
    });

    it('reads null an old event written after the erasure (the older version did not refuse it), in the read model too', async () => {
      for (const [n, { c }] of legacy.entries()) {
        await appendAsOldVersion(server().store, streamName('acme', c.aggregate, made[n]!.id), c.event, { reason: 'Philippa wrote back after all' });
      }
      await reachedHead();
      for (const [n, { c }] of legacy.entries()) {
        expect(await readsOf(session, c, made[n]!, revisions[n]! + 1), c.event).to.deep.equal(erased);
      }
    });
  });

  it('refuses a new reason about an erased person (409 subject_erased), appending nothing; the record can still be archived', async () => {
    const records = [await lead(session, 20), await activity(session, 21)];
    for (const { subjectId } of records) await erase(subjectId);
    const before = await session.head();
    for (const [resource, { id }, action] of [['/sales/leads', records[0]!, 'disqualify'], ['/sales/activities', records[1]!, 'cancel']] as const) {
      const refused = await send('POST', `${resource}/${id}/${action}`, { reason: 'Philippa asked us to stop' });
      expect([refused.status, refused.body.code], resource).to.deep.equal([409, 'subject_erased']);
    }
    expect(await session.head()).to.equal(before);
    expect((await send('POST', `/sales/leads/${records[0]!.id}/archive`, {})).status).to.equal(200);
    expect((await send('POST', `/sales/activities/${records[1]!.id}/archive`, {})).status).to.equal(200);
  });

  it('GET /api/compliance/classification: these reasons are personal and encrypted; a deal\'s lost reason and a quote\'s rejection reason stay internal (no person subject)', async () => {
    const { body } = await get('/api/compliance/classification');
    const classOf = (recordType: string, field: string) => body.data.find((r: { recordType: string }) => r.recordType === recordType).fields.find((f: { field: string }) => f.field === field);
    expect(classOf('sales.lead', 'statusReason')).to.deep.equal({ field: 'statusReason', class: 'personal', encrypted: true });
    expect(classOf('sales.activity', 'cancelledReason')).to.deep.equal({ field: 'cancelledReason', class: 'personal', encrypted: true });
    expect(classOf('sales.opportunity', 'lostReason')).to.include({ class: 'internal', encrypted: false });
    expect(classOf('sales.quote', 'rejectedReason')).to.include({ class: 'internal', encrypted: false });
  });
});
