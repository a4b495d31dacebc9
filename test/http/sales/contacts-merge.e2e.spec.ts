import { expect } from 'chai';
import { streamName } from '../../../src/events/log/stream-name.js';
import { tokenFor } from '../../support/http.js';
import { salesSession } from './session.js';

let people = 0;
const someone = (extra: Record<string, string> = {}) => ({ firstName: 'Ada', lastName: 'Lovelace', email: `ada.merge.${(people += 1)}@example.org`, ...extra });

describe('POST /sales/contacts/:id/merge', () => {
  const s = salesSession();
  const create = async (body: object = someone(), token?: string): Promise<string> => (await s.send('POST', '/sales/contacts', body, token, {})).body.id;
  const merge = (survivor: string, loserId: string, headers: Record<string, string> = {}, token?: string) =>
    s.send('POST', `/sales/contacts/${survivor}/merge`, { loserId }, token, headers);
  const subjectOf = async (id: string): Promise<string> => (await s.get(`/sales/contacts/${id}`)).body.subjectId;
  const consent = (subjectId: string, purpose: string, status: string, source: string) =>
    s.send('POST', `/api/compliance/subjects/${subjectId}/consents`, { purpose, status, source });
  const consentsOf = async (subjectId: string) => (await s.get(`/api/compliance/subjects/${subjectId}/consents`)).body.consents
    .map((c: { purpose: string; status: string; source: string }) => [c.purpose, c.status, c.source]);
  const restrict = (subjectId: string, body: object) => s.send('POST', `/api/compliance/subjects/${subjectId}/restriction`, body);
  const stored = (type: string, id: string) => s.server().store.readStream(streamName('acme', type, id));

  it('absorbs the loser: the survivor fills the fields it lacks, the loser is archived and points to it, both histories stay', async () => {
    const survivor = await create(someone({ city: 'London' }));
    const loser = await create(someone({ city: 'Paris', phone: '+44 20 7946 0001', jobTitle: 'Analyst' }));
    const res = await merge(survivor, loser, { 'If-Match': '"0"' });
    expect(res.status).to.equal(200);
    expect(res.body).to.include({ id: survivor, revision: 2 });
    const kept = (await s.get(`/sales/contacts/${survivor}`)).body;
    expect(kept).to.include({ status: 'active', city: 'London', phone: '+44 20 7946 0001', jobTitle: 'Analyst' });
    const gone = (await s.get(`/sales/contacts/${loser}`)).body;
    expect(gone).to.include({ status: 'archived', mergedInto: survivor, city: 'Paris' });
    const history = (id: string) => s.get(`/sales/contacts/${id}/history`).then((h) => h.body.data.map((e: { type: string }) => e.type));
    expect(await history(survivor)).to.deep.equal(['ContactCreated', 'ContactAbsorbed', 'ContactUpdated']);
    expect(await history(loser)).to.deep.equal(['ContactCreated', 'ContactMerged', 'ContactArchived']);
  });

  it('is idempotent: a retry (same Idempotency-Key or a new request) appends nothing', async () => {
    const [survivor, loser] = [await create(), await create()];
    const headers = { 'Idempotency-Key': `merge-${survivor}` };
    const first = await merge(survivor, loser, headers);
    const before = await s.head();
    expect((await merge(survivor, loser, headers)).body).to.deep.equal(first.body);
    expect((await merge(survivor, loser)).status).to.equal(200);
    expect(await s.head()).to.equal(before);
  });

  it('carries the loser\'s consents to the survivor\'s subject: a withdrawal wins, even over the survivor\'s own newer grant', async () => {
    const [survivor, loser] = [await create(), await create()];
    const [mine, theirs] = [await subjectOf(survivor), await subjectOf(loser)];
    await consent(theirs, 'calls', 'withdrawn', 'phone');
    await consent(theirs, 'email_marketing', 'granted', 'web_form');
    await consent(mine, 'calls', 'granted', 'web_form');
    expect((await merge(survivor, loser)).status).to.equal(200);
    expect(await consentsOf(mine)).to.deep.equal([['calls', 'withdrawn', 'phone'], ['email_marketing', 'granted', 'web_form']]);
    const calls = (await s.get(`/api/compliance/subjects/${mine}/processing?purpose=calls`)).body;
    expect(calls).to.deep.include({ allowed: false, refusals: ['consent_withdrawn'] });
    // Recorded on the survivor's subject as the merge's effects: its correlation, caused by its command.
    const { metadata } = (await stored('sales.contact', survivor)).find((e) => e.type === 'ContactAbsorbed')!;
    const adopted = (await stored('compliance.consent', mine)).slice(1).map((e) => [e.type, e.metadata.correlationId, e.metadata.causationId]);
    expect(adopted).to.deep.equal(['ConsentWithdrawn', 'ConsentGranted'].map((type) => [type, metadata.correlationId, metadata.commandId]));
  });

  it('carries the restriction of the loser\'s subject to the survivor\'s, once: processing the survivor is refused as restricted', async () => {
    const [survivor, loser] = [await create(), await create()];
    const [mine, theirs] = [await subjectOf(survivor), await subjectOf(loser)];
    await consent(mine, 'email_marketing', 'granted', 'web_form');
    const { since } = (await restrict(theirs, { restricted: true, ground: 'accuracy_contested' })).body.restriction;
    const headers = { 'Idempotency-Key': `merge-restriction-${survivor}` };
    const first = await merge(survivor, loser, headers);
    expect(first.status).to.equal(200);
    expect((await s.get(`/api/compliance/subjects/${mine}/restriction`)).body)
      .to.deep.equal({ subjectId: mine, erased: false, restricted: true, ground: 'accuracy_contested', since });
    const email = (await s.get(`/api/compliance/subjects/${mine}/processing?purpose=email_marketing`)).body;
    expect(email).to.deep.include({ allowed: false, refusals: ['restricted'] });
    const before = await s.head();
    expect((await merge(survivor, loser, headers)).body).to.deep.equal(first.body);
    expect((await merge(survivor, loser)).status).to.equal(200);
    expect(await s.head()).to.equal(before);
    expect((await stored('compliance.consent', mine)).map((e) => e.type)).to.deep.equal(['ConsentGranted', 'ProcessingRestricted']);
  });

  it('keeps the survivor\'s own restriction when the loser\'s subject is not restricted, and restricts no one else', async () => {
    const [survivor, loser] = [await create(), await create()];
    const [mine, theirs] = [await subjectOf(survivor), await subjectOf(loser)];
    const own = (await restrict(mine, { restricted: true, ground: 'legal_claims' })).body.restriction;
    expect((await merge(survivor, loser)).status).to.equal(200);
    expect((await s.get(`/api/compliance/subjects/${mine}/restriction`)).body).to.include({ restricted: true, ground: 'legal_claims', since: own.since });
    expect((await s.get(`/api/compliance/subjects/${theirs}/restriction`)).body).to.include({ restricted: false });
    expect((await stored('compliance.consent', mine)).map((e) => e.type)).to.deep.equal(['ProcessingRestricted']);
  });

  it('fills accountId from the loser and flags the survivor\'s link to that account primary: the contact and the account\'s list agree', async () => {
    const account = (await s.send('POST', '/sales/accounts', { name: 'Analytical Engines' })).body.id;
    const [survivor, loser] = [await create(), await create(someone({ accountId: account }))];
    await s.send('POST', `/sales/contacts/${survivor}/accounts`, { accountId: account, roles: ['billing'] });
    expect((await merge(survivor, loser)).status).to.equal(200);
    const kept = (await s.get(`/sales/contacts/${survivor}`)).body;
    expect([kept.accountId, kept.accounts]).to.deep.equal([account, [{ accountId: account, roles: ['billing'], primary: true }]]);
    const listed = (await s.get(`/sales/accounts/${account}/contacts`)).body.data;
    expect(listed.map((c: { contactId: string; roles: string[]; primary: boolean }) => [c.contactId, c.roles, c.primary])).to.deep.equal([[survivor, ['billing'], true]]);
  });

  it('gives the survivor the union of both tag lists (one ContactTagged)', async () => {
    const survivor = await create({ ...someone(), tags: ['vip', 'shared'] });
    const loser = await create({ ...someone(), tags: ['shared', 'webinar'] });
    expect((await merge(survivor, loser)).status).to.equal(200);
    expect((await s.get(`/sales/contacts/${survivor}`)).body.tags).to.deep.equal(['shared', 'vip', 'webinar']);
    const history = (await s.get(`/sales/contacts/${survivor}/history`)).body.data.map((e: { type: string }) => e.type);
    expect(history).to.deep.equal(['ContactCreated', 'ContactAbsorbed', 'ContactTagged']);
  });

  it('appends the carried consents and tags once: a retry (same Idempotency-Key) adds nothing, a later request undoes no consent changed since', async () => {
    const [survivor, loser] = [await create(), await create({ ...someone(), tags: ['webinar'] })];
    const [mine, theirs] = [await subjectOf(survivor), await subjectOf(loser)];
    await consent(theirs, 'calls', 'withdrawn', 'phone');
    const headers = { 'Idempotency-Key': `merge-consents-${survivor}` };
    const first = await merge(survivor, loser, headers);
    const before = await s.head();
    expect((await merge(survivor, loser, headers)).body).to.deep.equal(first.body);
    expect(await s.head()).to.equal(before);
    expect((await stored('compliance.consent', mine)).map((e) => e.type)).to.deep.equal(['ConsentWithdrawn']);
    await consent(mine, 'calls', 'granted', 'phone');
    const granted = await s.head();
    expect((await merge(survivor, loser)).status).to.equal(200);
    expect(await s.head()).to.equal(granted);
    expect(await consentsOf(mine)).to.deep.equal([['calls', 'granted', 'phone']]);
    expect((await s.get(`/sales/contacts/${survivor}`)).body.tags).to.deep.equal(['webinar']);
  });

  it('runs two merges of one contact one after the other: opposite merges leave one survivor, and a refused merge changes nothing', async () => {
    for (let round = 0; round < 3; round += 1) {
      const [a, b] = [await create(), await create()];
      const answers = await Promise.all([merge(a, b), merge(b, a)]);
      expect(answers.map((r) => r.status).sort()).to.deep.equal([200, 409]);
      const statuses = await Promise.all([a, b].map(async (id) => (await s.get(`/sales/contacts/${id}`)).body.status));
      expect(statuses.sort()).to.deep.equal(['active', 'archived']);
    }
    const [loser, first, second] = [await create(someone({ city: 'Oslo' })), await create(), await create()];
    await s.send('POST', `/sales/contacts/${loser}/tags`, { add: ['vip'] });
    const both = await Promise.all([merge(first, loser), merge(second, loser)]);
    expect(both.map((r) => r.status).sort()).to.deep.equal([200, 409]);
    const refused = both[0]!.status === 409 ? first : second;
    const untouched = (await s.get(`/sales/contacts/${refused}`)).body;
    expect(untouched).to.include({ revision: 0 });
    expect(untouched).not.to.have.property('city');
  });

  it('leaves the loser read-only (409 contact_merged), a restore included', async () => {
    const [survivor, loser] = [await create(), await create()];
    await merge(survivor, loser);
    expect((await s.send('PATCH', `/sales/contacts/${loser}`, { city: 'Rome' })).body.code).to.equal('contact_merged');
    expect((await s.send('POST', `/sales/contacts/${loser}/restore`, {})).body.code).to.equal('contact_merged');
  });

  it('keeps each subject, and erasing the loser\'s erases the survivor\'s too: one person, whose phone the survivor took', async () => {
    const [survivor, loser] = [await create(), await create(someone({ phone: '+1 555 0100' }))];
    await merge(survivor, loser);
    const [mine, theirs] = [await subjectOf(survivor), await subjectOf(loser)];
    expect(mine).not.to.equal(theirs);
    expect((await s.send('POST', `/api/compliance/subjects/${theirs}/erase`, { reason: 'art. 17' })).status).to.be.lessThan(300);
    expect((await s.get(`/sales/contacts/${loser}`)).body).to.include({ email: null, mergedInto: survivor });
    expect((await s.get(`/sales/contacts/${survivor}`)).body).to.include({ status: 'active', email: null, phone: null });
  });

  describe('refusals (nothing written)', () => {
    const refused = async (send: () => Promise<{ status: number; body: any }>, status: number, code: string) => {
      const before = await s.head();
      const res = await send();
      expect([res.status, res.body.code]).to.deep.equal([status, code]);
      expect(await s.head()).to.equal(before);
    };

    it('merging a contact into itself (422 merge_into_itself)', async () => {
      const id = await create();
      await refused(() => merge(id, id), 422, 'merge_into_itself');
    });

    it('an archived loser or survivor (409 record_archived), a merged one (409 contact_merged)', async () => {
      const [survivor, archived, merged, other] = [await create(), await create(), await create(), await create()];
      await s.send('POST', `/sales/contacts/${archived}/archive`, {});
      await merge(other, merged);
      await refused(() => merge(survivor, archived), 409, 'record_archived');
      await refused(() => merge(archived, survivor), 409, 'record_archived');
      await refused(() => merge(survivor, merged), 409, 'contact_merged');
      await refused(() => merge(merged, survivor), 409, 'contact_merged');
    });

    it('another tenant\'s contact, as loser or survivor (404)', async () => {
      const [mine, theirs] = [await create(), await create(someone(), s.globex())];
      await refused(() => merge(mine, theirs), 404, 'not_found');
      await refused(() => merge(theirs, mine), 404, 'not_found');
    });

    it('a loser the caller may not change (403), taking nothing from it into their own contact', async () => {
      const rep = await tokenFor(s.server(), { tenantId: 'acme', actorId: 'rep-1', roles: ['sales_rep'] });
      const own = await create(someone(), rep);
      const others = await create(someone({ city: 'London', phone: '+44 20 7946 0000' }));
      await refused(() => merge(own, others, {}, rep), 403, 'forbidden');
      const kept = (await s.get(`/sales/contacts/${own}`)).body;
      expect([kept.revision, kept.city, kept.phone]).to.deep.equal([0, undefined, undefined]);
    });

    it('a caller who may change contacts but not archive them (403): the merge archives the loser', async () => {
      const grants = ['read', 'update'].map((action) => ({ permission: `sales.contacts:${action}`, scope: 'all' }));
      expect((await s.send('POST', '/api/admin/roles', { name: 'contact_editor', grants })).status).to.equal(201);
      const editor = await tokenFor(s.server(), { tenantId: 'acme', actorId: 'editor-1', roles: ['contact_editor'] });
      const [survivor, loser] = [await create(), await create()];
      await refused(() => merge(survivor, loser, {}, editor), 403, 'forbidden');
    });

    it('a stale If-Match on the survivor (412)', async () => {
      const [survivor, loser] = [await create(), await create()];
      await refused(() => merge(survivor, loser, { 'If-Match': '"7"' }), 412, 'precondition_failed');
    });
  });
});
