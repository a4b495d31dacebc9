import { expect } from 'chai';
import { tokenFor } from '../../support/http.js';
import { expectReasonRequired, salesSession } from './session.js';

const ada = { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.org', company: 'Analytical Engines', source: 'web' };

describe('/sales/leads', () => {
  const session = salesSession();
  const { server, globex, send, get, head, reachedHead } = session;
  const post = (path: string, body?: unknown, token?: string, headers?: Record<string, string>) => send('POST', path, body, token, headers);
  const patch = (path: string, body: unknown, headers?: Record<string, string>) => send('PATCH', path, body, undefined, headers);
  let people = 0;
  /** A lead; by default Ada under an email of her own (a conversion makes her a contact, whose email is unique). */
  const newLead = async (body: unknown = { ...ada, email: `ada.${(people += 1)}@example.org` }) => (await post('/sales/leads', body)).body.id as string;

  describe('POST /sales/leads', () => {
    it('answers 201 { id, revision, position }; the lead reads status new under its own subject', async () => {
      const res = await post('/sales/leads', ada);
      expect(res.status).to.equal(201);
      expect(res.body).to.have.keys(['id', 'revision', 'position']);
      expect(res.headers.get('location')).to.equal(`/sales/leads/${res.body.id}`);
      const read = await get(`/sales/leads/${res.body.id}`);
      expect(read.body).to.include({ ...ada, leadStatus: 'new', status: 'active', revision: 0 });
      expect(read.body.subjectId).to.match(/^[0-9a-f-]{36}$/);
    });

    it('refuses invalid input and read-only fields with a 400 problem, writing nothing', async () => {
      const before = await head();
      const res = await post('/sales/leads', { ...ada, email: 'nope', leadStatus: 'converted' });
      expect(res.status).to.equal(400);
      expect(res.headers.get('content-type')).to.match(/^application\/problem\+json/);
      expect(res.body.errors.map((e: { pointer: string }) => e.pointer)).to.include.members(['/email', '/leadStatus']);
      expect(await head()).to.equal(before);
    });

    it('refuses a whitespace-only firstName, lastName or company as an empty one (400 validation_failed), writing nothing', async () => {
      const id = await newLead();
      const before = await head();
      for (const name of ['firstName', 'lastName', 'company']) {
        for (const blank of ['', '   ']) {
          const created = await post('/sales/leads', { ...ada, email: 'blank@example.org', [name]: blank });
          const patched = await patch(`/sales/leads/${id}`, { [name]: blank });
          for (const res of [created, patched]) {
            expect([res.status, res.body.code], `${name} ${JSON.stringify(blank)}`).to.deep.equal([400, 'validation_failed']);
            expect(res.body.errors.map((e: { pointer: string }) => e.pointer)).to.include(`/${name}`);
          }
        }
      }
      expect(await head()).to.equal(before);
    });

    it('answers 403 to a role without the permission and 404 to another tenant', async () => {
      const agent = await tokenFor(server(), { tenantId: 'acme', actorId: 'agent', roles: ['support_agent'] });
      expect((await post('/sales/leads', ada, agent)).status).to.equal(403);
      const id = await newLead();
      expect((await get(`/sales/leads/${id}`, globex())).status).to.equal(404);
      expect((await post(`/sales/leads/${id}/qualify`, {}, globex())).status).to.equal(404);
    });
  });

  describe('PATCH /sales/leads/:id', () => {
    it('merges fields with If-Match; a stale revision is a 412', async () => {
      const id = await newLead();
      const ok = await patch(`/sales/leads/${id}`, { jobTitle: 'CTO' }, { 'If-Match': '"0"' });
      expect(ok.status).to.equal(200);
      const stale = await patch(`/sales/leads/${id}`, { jobTitle: 'CEO' }, { 'If-Match': '"0"' });
      expect([stale.status, stale.body.code]).to.deep.equal([412, 'precondition_failed']);
    });
  });

  describe('POST /sales/leads/:id/status', () => {
    it('sets a status of the tenant\'s configuration; others are a 422', async () => {
      const id = await newLead();
      expect((await post(`/sales/leads/${id}/status`, { status: 'contacted' })).status).to.equal(200);
      expect((await get(`/sales/leads/${id}`)).body.leadStatus).to.equal('contacted');
      const refused = await post(`/sales/leads/${id}/status`, { status: 'converted' });
      expect([refused.status, refused.body.code]).to.deep.equal([422, 'invalid_lead_status']);
      expect(refused.body.statuses).to.deep.equal(['new', 'contacted', 'nurturing']);
    });
  });

  describe('POST /sales/leads/:id/qualify and /disqualify', () => {
    it('qualifies, then disqualifies with a reason; the list filters by leadStatus', async () => {
      const id = await newLead();
      expect((await post(`/sales/leads/${id}/qualify`, { reason: 'budget' })).status).to.equal(200);
      expect((await get(`/sales/leads/${id}`)).body).to.include({ leadStatus: 'qualified', statusReason: 'budget' });
      expect((await post(`/sales/leads/${id}/disqualify`, { reason: 'no budget after all' })).status).to.equal(200);
      const list = await get(`/sales/leads?filter=${encodeURIComponent('leadStatus[eq]:"disqualified"')}`);
      expect(list.body.data.map((l: { id: string }) => l.id)).to.include(id);
      expect((await get(`/sales/leads/${id}?asOf=1`)).body.leadStatus).to.equal('qualified');
    });

    it('refuses to disqualify without a reason, or with an empty or whitespace-only one (422 reason_required), writing nothing', async () => {
      await expectReasonRequired(session, `/sales/leads/${await newLead()}/disqualify`);
    });

    it('refuses a disqualify reason that is not a string or beside an unknown field, and a blank optional qualify reason (400 validation_failed), writing nothing', async () => {
      const id = await newLead();
      const before = await head();
      for (const [path, body] of [
        ['disqualify', { reason: 5 }], ['disqualify', { reason: 'x'.repeat(501) }], ['disqualify', { reason: 'spam', extra: 1 }],
        ['qualify', { reason: '' }], ['qualify', { reason: '   ' }],
      ] as const) {
        const res = await post(`/sales/leads/${id}/${path}`, body);
        expect([res.status, res.body.code], `${path} ${JSON.stringify(body)}`).to.deep.equal([400, 'validation_failed']);
      }
      expect(await head()).to.equal(before);
    });

    it('records a new reason on a lead already (dis)qualified; the same reason again appends nothing', async () => {
      const id = await newLead();
      for (const [path, first, second] of [['disqualify', 'no budget', 'went with a competitor'], ['qualify', 'budget', 'champion found']] as const) {
        expect((await post(`/sales/leads/${id}/${path}`, { reason: first })).status).to.equal(200);
        const before = await head();
        const same = await post(`/sales/leads/${id}/${path}`, { reason: first });
        expect(same.status).to.equal(200);
        expect(await head()).to.equal(before);
        const changed = await post(`/sales/leads/${id}/${path}`, { reason: second });
        expect([changed.status, changed.body.revision]).to.deep.equal([200, same.body.revision + 1]);
        expect((await get(`/sales/leads/${id}`)).body.statusReason).to.equal(second);
      }
      const types = (await get(`/sales/leads/${id}/history`)).body.data.map((e: { type: string }) => e.type);
      expect(types).to.deep.equal(['LeadCreated', 'LeadDisqualified', 'LeadDisqualified', 'LeadQualified', 'LeadQualified']);
    });
  });

  describe('POST /sales/leads with a grant to create one\'s own', () => {
    it('creates the caller\'s own leads only: another owner in the body (or an import row) is a 403, nothing written', async () => {
      const grants = [{ permission: 'sales.leads:create', scope: 'own' }, { permission: 'sales.leads:read', scope: 'own' }];
      expect((await post('/api/admin/roles', { name: 'lead_capturer', grants })).status).to.equal(201);
      const capturer = await tokenFor(server(), { tenantId: 'acme', actorId: 'capturer-1', roles: ['lead_capturer'] });
      const before = await head();
      const refused = await post('/sales/leads', { ...ada, email: 'someone.else@example.org', ownerId: 'rep-2' }, capturer);
      expect([refused.status, refused.body.code]).to.deep.equal([403, 'forbidden']);
      expect(await head()).to.equal(before);
      const csv = await fetch(`${server().url}/sales/imports/leads`, {
        method: 'POST', headers: { Authorization: `Bearer ${capturer}`, 'Content-Type': 'text/csv' },
        body: 'firstName,lastName,email,ownerId\nEve,Other,eve.other@example.org,rep-2\n',
      });
      const summary = (await csv.json()) as { created: number; errors: Array<{ code: string }> };
      expect([summary.created, summary.errors.map((e) => e.code)]).to.deep.equal([0, ['forbidden']]);
      const own = await post('/sales/leads', { ...ada, email: 'own.lead@example.org' }, capturer);
      expect(own.status).to.equal(201);
      expect((await get(`/sales/leads/${own.body.id}`, capturer)).body.ownerId).to.equal('capturer-1');
    });
  });

  describe('POST /sales/leads/:id/convert', () => {
    it("answers { contactId, accountId, opportunityId, position } with the lead's new ETag, and creates the records", async () => {
      const id = await newLead(ada);
      const opportunity = { name: 'Engines for Acme', amount: { amount: 250_000, currency: 'EUR' } };
      const res = await post(`/sales/leads/${id}/convert`, { opportunity });
      expect(res.status).to.equal(200);
      expect(res.body).to.have.keys(['contactId', 'accountId', 'opportunityId', 'position']);
      const lead = (await get(`/sales/leads/${id}`)).body;
      const contact = (await get(`/sales/contacts/${res.body.contactId}`)).body;
      expect(contact).to.include({ firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.org', accountId: res.body.accountId, subjectId: lead.subjectId });
      expect((await get(`/sales/accounts/${res.body.accountId}`)).body.name).to.equal('Analytical Engines');
      const deal = (await get(`/sales/opportunities/${res.body.opportunityId}`)).body;
      expect(deal).to.include({ name: 'Engines for Acme', stage: 'qualification', contactId: res.body.contactId, accountId: res.body.accountId });
      expect(deal.weightedAmount).to.deep.equal({ amount: 25_000, currency: 'EUR' });
      expect(lead).to.include({ leadStatus: 'converted', convertedContactId: res.body.contactId });
      expect(res.headers.get('etag')).to.equal(`"${lead.revision}"`);
    });

    it('converts a lead without a company into a contact only', async () => {
      const id = await newLead({ firstName: 'Alan', lastName: 'Turing', email: 'alan@example.org' });
      const res = await post(`/sales/leads/${id}/convert`);
      expect(res.status).to.equal(200);
      expect(res.body).to.have.keys(['contactId', 'position']);
    });

    it('refuses a lead whose email an active contact holds (409 duplicate_email naming it), writing nothing; once that contact is archived it converts', async () => {
      const contact = await post('/sales/contacts', { firstName: 'Grace', lastName: 'Hopper', email: 'grace.lead@example.org' });
      const id = await newLead({ firstName: 'Grace', lastName: 'Hopper', email: 'Grace.Lead@EXAMPLE.org' });
      const before = await head();
      const refused = await post(`/sales/leads/${id}/convert`, { opportunity: { name: 'Compilers', amount: { amount: 1_000, currency: 'EUR' } } });
      expect([refused.status, refused.body.code, refused.body.existingId]).to.deep.equal([409, 'duplicate_email', contact.body.id]);
      expect(await head()).to.equal(before);
      expect((await get(`/sales/leads/${id}`)).body.leadStatus).to.not.equal('converted');
      expect((await post(`/sales/contacts/${contact.body.id}/archive`, {})).status).to.equal(200);
      expect((await post(`/sales/leads/${id}/convert`)).status).to.equal(200);
    });

    it('refuses the whole conversion when one of its records would be refused (a currency not configured: 422), writing nothing', async () => {
      const id = await newLead();
      const before = await head();
      const refused = await post(`/sales/leads/${id}/convert`, { opportunity: { name: 'Deal', amount: { amount: 1_000, currency: 'JPY' } } });
      expect([refused.status, refused.body.code]).to.deep.equal([422, 'invalid_currency']);
      expect(await head()).to.equal(before);
      expect((await post(`/sales/leads/${id}/convert`, { opportunity: { name: 'Deal', amount: { amount: 1_000, currency: 'EUR' } } })).status).to.equal(200);
    });

    it('needs the right to create what the conversion creates (a marketer may update leads but not create deals: 403)', async () => {
      const id = await newLead();
      const marketer = await tokenFor(server(), { tenantId: 'acme', actorId: 'mkt-1', roles: ['marketer'] });
      const before = await head();
      const refused = await post(`/sales/leads/${id}/convert`, { opportunity: { name: 'Deal', amount: { amount: 1_000, currency: 'EUR' } } }, marketer);
      expect(refused.status).to.equal(403);
      expect(await head()).to.equal(before);
    });

    it('converts a lead once when two conversions race: the other gets 409 lead_already_converted', async () => {
      const id = await newLead();
      const answers = await Promise.all([post(`/sales/leads/${id}/convert`), post(`/sales/leads/${id}/convert`)]);
      expect(answers.map((a) => a.status).sort()).to.deep.equal([200, 409]);
      expect(answers.find((a) => a.status === 409)!.body.code).to.equal('lead_already_converted');
    });

    it('lets one of two leads of one person convert, the other gets 409 duplicate_email', async () => {
      const [first, second] = [await newLead({ ...ada, email: 'twice@example.org' }), await newLead({ ...ada, email: 'twice@example.org' })];
      const answers = await Promise.all([post(`/sales/leads/${first}/convert`), post(`/sales/leads/${second}/convert`)]);
      expect(answers.map((a) => a.status).sort()).to.deep.equal([200, 409]);
      expect(answers.find((a) => a.status === 409)!.body.code).to.equal('duplicate_email');
    });

    it('converts exactly once: a second conversion is a 409 that changes nothing, and the lead is read-only', async () => {
      const id = await newLead();
      await post(`/sales/leads/${id}/convert`);
      const before = await head();
      const again = await post(`/sales/leads/${id}/convert`);
      expect([again.status, again.body.code]).to.deep.equal([409, 'lead_already_converted']);
      const patched = await patch(`/sales/leads/${id}`, { jobTitle: 'CFO' });
      expect([patched.status, patched.body.code]).to.deep.equal([409, 'lead_converted']);
      expect((await post(`/sales/leads/${id}/qualify`)).status).to.equal(409);
      expect((await post(`/sales/leads/${id}/archive`)).status).to.equal(409);
      expect(await head()).to.equal(before);
    });

    it('names the contact holding the email (409 duplicate_email, existingId) only to a caller who may read that contact', async () => {
      const grants = [
        ...['read', 'update', 'create'].map((action) => ({ permission: `sales.leads:${action}`, scope: 'all' })),
        { permission: 'sales.contacts:create', scope: 'all' }, { permission: 'sales.contacts:read', scope: 'own' },
      ];
      expect((await post('/api/admin/roles', { name: 'lead_converter', grants })).status).to.equal(201);
      const converter = await tokenFor(server(), { tenantId: 'acme', actorId: 'converter-1', roles: ['lead_converter'] });
      const other = await post('/sales/contacts', { firstName: 'Grace', lastName: 'Hopper', email: 'grace.secret@navy.example' });
      const lead = await post('/sales/leads', { firstName: 'G', lastName: 'H', email: 'grace.secret@navy.example' }, converter);
      const refused = await post(`/sales/leads/${lead.body.id}/convert`, {}, converter);
      expect([refused.status, refused.body.code, refused.body.existingId]).to.deep.equal([409, 'duplicate_email', undefined]);
      expect(JSON.stringify(refused.body)).not.to.contain(other.body.id);
    });

    it('creates nothing twice when retried with the same Idempotency-Key', async () => {
      const id = await newLead();
      const headers = { 'Idempotency-Key': `convert-${id}` };
      const first = await post(`/sales/leads/${id}/convert`, {}, undefined, headers);
      const before = await head();
      const again = await post(`/sales/leads/${id}/convert`, {}, undefined, headers);
      expect(again.body).to.deep.equal(first.body);
      expect(await head()).to.equal(before);
    });

    it('checks the email again when a retry with the same Idempotency-Key finishes a conversion cut before its contact (a crash)', async () => {
      const id = await newLead();
      const email = (await get(`/sales/leads/${id}`)).body.email as string;
      const store = server().store;
      const append = store.append;
      store.append = async (stream, events, options) => {
        if (events.some((e) => e.type === 'ContactCreated')) throw new Error('the process stopped here');
        return append(stream, events, options);
      };
      const headers = { 'Idempotency-Key': `cut-${id}` };
      try {
        expect((await post(`/sales/leads/${id}/convert`, {}, undefined, headers)).status).to.equal(500);
      } finally {
        store.append = append;
      }
      expect((await get(`/sales/leads/${id}`)).body.leadStatus).to.equal('converted');
      const other = await post('/sales/contacts', { firstName: 'Ada', lastName: 'Meanwhile', email });
      expect(other.status).to.equal(201);
      const retried = await post(`/sales/leads/${id}/convert`, {}, undefined, headers);
      expect([retried.status, retried.body.code, retried.body.existingId]).to.deep.equal([409, 'duplicate_email', other.body.id]);
      await reachedHead();
      const holders = await get(`/sales/contacts?filter=${encodeURIComponent(`email[eq]:"${email}"`)}`);
      expect(holders.body.data.map((c: { id: string }) => c.id)).to.deep.equal([other.body.id]);
      expect((await post(`/sales/contacts/${other.body.id}/archive`, {})).status).to.equal(200);
      const finished = await post(`/sales/leads/${id}/convert`, {}, undefined, headers);
      expect(finished.status, JSON.stringify(finished.body)).to.equal(200);
      expect((await get(`/sales/contacts/${finished.body.contactId}`)).body.email).to.equal(email);
    });

    it('answers 403 to a sales rep converting another\'s lead and to the auditor, changing nothing', async () => {
      const id = await newLead();
      const rep = await tokenFor(server(), { tenantId: 'acme', actorId: 'rep-1', roles: ['sales_rep'] });
      const auditor = await tokenFor(server(), { tenantId: 'acme', actorId: 'aud', roles: ['auditor'] });
      const before = await head();
      expect((await post(`/sales/leads/${id}/convert`, {}, rep)).status).to.equal(403);
      expect((await post(`/sales/leads/${id}/qualify`, {}, rep)).status).to.equal(403);
      expect((await post(`/sales/leads/${id}/convert`, {}, auditor)).status).to.equal(403);
      expect(await head()).to.equal(before);
      // Even when the lead's person is already a contact, a caller who may not convert it learns nothing of that (403, not 409).
      await post('/sales/contacts', { firstName: 'Ada', lastName: 'Lovelace', email: (await get(`/sales/leads/${id}`)).body.email });
      expect((await post(`/sales/leads/${id}/convert`, {}, rep)).status).to.equal(403);
      const mine = (await post('/sales/leads', { ...ada, email: 'rep.own.lead@example.org' }, rep)).body.id;
      expect((await post(`/sales/leads/${mine}/convert`, {}, rep)).status).to.equal(200);
    });

    it('refuses a disqualified lead (409) and a malformed opportunity (400)', async () => {
      const id = await newLead();
      expect((await post(`/sales/leads/${id}/convert`, { opportunity: { name: 'x', amount: 5 } })).status).to.equal(400);
      await post(`/sales/leads/${id}/disqualify`, { reason: 'spam' });
      const res = await post(`/sales/leads/${id}/convert`);
      expect([res.status, res.body.code]).to.deep.equal([409, 'lead_disqualified']);
    });
  });

  describe('erasing the lead\'s subject', () => {
    it('reads personal fields null on the lead AND on the contact it converted into', async () => {
      const id = await newLead();
      const { body: { contactId } } = await post(`/sales/leads/${id}/convert`);
      const { subjectId } = (await get(`/sales/leads/${id}`)).body;
      const erased = await post(`/api/compliance/subjects/${subjectId}/erase`, { reason: 'GDPR art. 17' });
      expect(erased.status).to.equal(200);
      await reachedHead();
      const personal = { firstName: null, lastName: null, email: null };
      expect((await get(`/sales/leads/${id}`)).body).to.include({ ...personal, company: 'Analytical Engines' });
      expect((await get(`/sales/contacts/${contactId}`)).body).to.include(personal);
      expect((await get(`/sales/leads/${id}?asOf=0`)).body).to.include(personal);
    });

    it('refuses to convert a lead whose person was erased (409 subject_erased), writing nothing', async () => {
      const id = await newLead();
      const { subjectId } = (await get(`/sales/leads/${id}`)).body;
      expect((await post(`/api/compliance/subjects/${subjectId}/erase`, { reason: 'GDPR art. 17' })).status).to.equal(200);
      const before = await head();
      const refused = await post(`/sales/leads/${id}/convert`, { opportunity: { name: 'Deal', amount: { amount: 100, currency: 'EUR' } } });
      expect([refused.status, refused.body.code]).to.deep.equal([409, 'subject_erased']);
      expect(await head()).to.equal(before);
    });
  });

  describe('a lead whose person\'s processing is restricted (GDPR art. 18)', () => {
    it('is neither scored again nor converted (409 processing_restricted), writing nothing; a PATCH rectifies it without scoring it; once the restriction is lifted it is', async () => {
      const id = await newLead();
      const scored = (await get(`/sales/leads/${id}`)).body;
      const { subjectId } = scored;
      const restriction = (restricted: boolean) => post(`/api/compliance/subjects/${subjectId}/restriction`, restricted ? { restricted, ground: 'accuracy_contested' } : { restricted });
      expect((await restriction(true)).status).to.equal(200);
      const before = await head();
      const refusals = [await post(`/sales/leads/${id}/rescore`), await post(`/sales/leads/${id}/convert`)];
      expect(refusals.map((r) => [r.status, r.body.code, r.body.ground])).to.deep.equal([
        [409, 'processing_restricted', undefined], [409, 'processing_restricted', 'accuracy_contested'],
      ]);
      expect(await head()).to.equal(before);
      const patched = await patch(`/sales/leads/${id}`, { email: 'ada.restricted@gmail.com', phone: '+44 20 7946 0000' });
      expect(patched.status, 'rectifying goes on').to.equal(200);
      const after = (await get(`/sales/leads/${id}`)).body;
      expect([after.email, after.score, after.scoreReasons], 'not profiled again').to.deep.equal(['ada.restricted@gmail.com', scored.score, scored.scoreReasons]);
      expect((await restriction(false)).status).to.equal(200);
      expect((await post(`/sales/leads/${id}/rescore`)).status).to.equal(200);
      expect((await post(`/sales/leads/${id}/convert`)).status).to.equal(200);
    });
  });

  describe('GET /sales/leads/:id/history', () => {
    it('lists the lead\'s own events among the generic ones', async () => {
      const id = await newLead();
      await post(`/sales/leads/${id}/qualify`);
      const res = await get(`/sales/leads/${id}/history`);
      expect(res.body.data.map((e: { type: string }) => e.type)).to.deep.equal(['LeadCreated', 'LeadQualified']);
    });
  });
});
