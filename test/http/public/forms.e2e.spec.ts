import { expect } from 'chai';
import { startTestServer, type TestServer } from '../../support/server.js';
import { call, tokenFor } from '../../support/http.js';
import { createTenant, platformToken } from '../../support/tenant.js';

const visitor = { firstName: 'Katherine', lastName: 'Johnson', email: 'katherine@nasa.example', company: 'NASA', message: 'Call me' };

describe('web-form lead capture', () => {
  let server: TestServer;
  let admin: string;
  let rep: string;
  before(async () => {
    server = await startTestServer();
    admin = await tokenFor(server, { tenantId: 'acme', actorId: 'user-admin', roles: ['tenant_admin'] });
    rep = await tokenFor(server, { tenantId: 'acme', actorId: 'rep-1', roles: ['sales_rep'] });
  });
  after(async () => server.dispose());

  const newForm = async (token = admin) => call(server, 'POST', '/api/admin/forms', { token, body: { name: 'Contact us' } });
  const submit = (formKey: string, body: unknown) => call(server, 'POST', `/api/public/forms/${formKey}/leads`, { body });
  const leadsOf = async (campaign: string) => {
    const head = String(await server.store.headPosition());
    const res = await call(server, 'GET', `/sales/leads?filter=utmCampaign[eq]:"${campaign}"`, { token: admin, headers: { 'Consistency-Position': head } });
    return res.body.data as Array<Record<string, unknown>>;
  };

  describe('POST /api/admin/forms', () => {
    it('answers 201 with a form key naming the tenant, for a tenant admin only (403 otherwise)', async () => {
      const res = await newForm();
      expect(res.status).to.equal(201);
      expect(res.body.formKey).to.match(/^acme\.[0-9a-f-]{36}$/);
      expect(res.headers.get('location')).to.equal(`/api/admin/forms/${res.body.formKey}`);
      expect((await newForm(rep)).status).to.equal(403);
    });
  });

  describe('GET /api/admin/forms/:formKey', () => {
    it("answers the form's name, status and owner; 404 for another tenant's key or a malformed one", async () => {
      const { formKey } = (await newForm()).body;
      const read = await call(server, 'GET', `/api/admin/forms/${formKey}`, { token: admin });
      expect([read.status, read.body]).to.deep.equal([200, { formKey, name: read.body.name, status: 'enabled', ownerId: read.body.ownerId }]);
      expect(read.body.name).to.be.a('string').and.not.equal('');
      await call(server, 'POST', `/api/admin/forms/${formKey}/disable`, { token: admin });
      expect((await call(server, 'GET', `/api/admin/forms/${formKey}`, { token: admin })).body.status).to.equal('disabled');
      expect((await call(server, 'GET', `/api/admin/forms/${formKey.replace('acme.', 'globex.')}`, { token: admin })).status).to.equal(404);
      expect((await call(server, 'GET', '/api/admin/forms/acme.not-a-form', { token: admin })).status).to.equal(404);
      expect((await call(server, 'GET', `/api/admin/forms/${formKey}`, { token: rep })).status).to.equal(403);
    });
  });

  describe('POST /api/public/forms/:formKey/leads', () => {
    it('creates a lead without a token, with source web_form, the five UTM fields, its owner the form\'s creator and its score (202)', async () => {
      const { formKey } = (await newForm()).body;
      const utm = { utm_source: 'newsletter', utm_medium: 'email', utm_campaign: 'spring', utm_term: 'crm software', utm_content: 'banner-a' };
      const res = await submit(formKey, { ...visitor, ...utm, website: '' });
      expect(res.status).to.equal(202);
      const [lead, ...more] = await leadsOf('spring');
      expect(more).to.deep.equal([]);
      expect(lead).to.include({
        ...visitor, source: 'web_form', utmSource: 'newsletter', utmMedium: 'email', utmCampaign: 'spring', utmTerm: 'crm software', utmContent: 'banner-a',
        leadStatus: 'new', ownerId: 'user-admin', score: 30,
      });
      expect(lead!.scoreReasons).to.deep.equal(['company_given', 'web_form']);
      expect(lead!.subjectId).to.be.a('string');
    });

    it('takes a phone and a job title too, which the scoring rules read', async () => {
      const { formKey } = (await newForm()).body;
      const res = await submit(formKey, { ...visitor, phone: '+1 757 864 1000', jobTitle: 'VP Research', utm_campaign: 'titled', website: '' });
      expect(res.status).to.equal(202);
      const [lead] = await leadsOf('titled');
      expect(lead).to.include({ phone: '+1 757 864 1000', jobTitle: 'VP Research' });
      expect(lead!.scoreReasons).to.include.members(['phone_given', 'senior_title']);
    });

    it('accepts a urlencoded HTML form post', async () => {
      const { formKey } = (await newForm()).body;
      const body = new URLSearchParams({ ...visitor, utm_campaign: 'html' }).toString();
      const res = await fetch(`${server.url}/api/public/forms/${formKey}/leads`, { method: 'POST', body, headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
      expect(res.status).to.equal(202);
      expect(await leadsOf('html')).to.have.length(1);
    });

    it('reads an optional field sent empty, as an HTML form sends an input left blank, as absent (urlencoded or JSON); a blank name is still a 400', async () => {
      const { formKey } = (await newForm()).body;
      const blanks = { phone: '', jobTitle: '', company: '', message: '', utm_source: '', utm_medium: '', utm_term: '', utm_content: '', website: '' };
      const body = new URLSearchParams({ firstName: 'Zoë', lastName: 'Müller', email: 'zoe@example.org', ...blanks, utm_campaign: 'blank-html' }).toString();
      const html = await fetch(`${server.url}/api/public/forms/${formKey}/leads`, { method: 'POST', body, headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
      expect(html.status).to.equal(202);
      expect((await submit(formKey, { ...visitor, ...blanks, utm_campaign: 'blank-json' })).status).to.equal(202);
      const [lead] = await leadsOf('blank-html');
      expect(lead).to.include({ firstName: 'Zoë', lastName: 'Müller', email: 'zoe@example.org', source: 'web_form' });
      for (const absent of ['phone', 'jobTitle', 'company', 'message', 'utmSource', 'utmTerm']) expect(lead, absent).to.not.have.property(absent);
      expect(await leadsOf('blank-json')).to.have.length(1);
      const before = await server.store.headPosition();
      const blankName = await submit(formKey, { ...visitor, firstName: '', website: '' });
      expect([blankName.status, blankName.body.errors?.[0]?.pointer]).to.deep.equal([400, '/firstName']);
      const spaces = await submit(formKey, { ...visitor, company: '   ', website: '' });
      expect([spaces.status, spaces.body.errors?.[0]?.pointer]).to.deep.equal([400, '/company']);
      expect(await server.store.headPosition()).to.equal(before);
    });

    it('answers a filled spam trap with the same 202 and stores nothing', async () => {
      const { formKey } = (await newForm()).body;
      const before = await server.store.headPosition();
      const res = await submit(formKey, { ...visitor, utm_campaign: 'spam', website: 'http://spam.example' });
      expect([res.status, res.body]).to.deep.equal([202, { status: 'accepted' }]);
      expect(await server.store.headPosition()).to.equal(before);
    });

    it('answers a filled spam trap with the same 202 whatever else the body holds, storing nothing', async () => {
      const { formKey } = (await newForm()).body;
      const before = await server.store.headPosition();
      for (const body of [
        { ...visitor, email: 'not-an-email', website: 'http://spam.example' },
        { ...visitor, website: 'x'.repeat(600) },
        { firstName: 'Bot', website: 'http://spam.example', isAdmin: true },
        { website: ['a', 'b'] },
      ]) {
        const res = await submit(formKey, body);
        expect([res.status, res.body], JSON.stringify(body).slice(0, 80)).to.deep.equal([202, { status: 'accepted' }]);
      }
      expect(await server.store.headPosition()).to.equal(before);
    });

    it('keeps the body size limit ahead of the trap (413), and validates a body whose trap is empty (400)', async () => {
      const { formKey } = (await newForm()).body;
      const big = await submit(formKey, { ...visitor, website: 'x', message: 'y'.repeat(20_000) });
      expect([big.status, big.body.detail]).to.deep.equal([413, 'The body exceeds 16384 bytes']);
      const lone = await submit(formKey, { ...visitor, message: 'a\ud800b', website: '' });
      expect([lone.status, lone.body.code]).to.deep.equal([400, 'invalid_text']);
      const invalid = await submit(formKey, { ...visitor, email: 'not-an-email', website: '' });
      expect([invalid.status, invalid.body.code]).to.deep.equal([400, 'validation_failed']);
    });

    it('answers 404 for an unknown, malformed or disabled key', async () => {
      const { formKey } = (await newForm()).body;
      expect((await submit('acme.00000000-0000-5000-8000-000000000000', visitor)).status).to.equal(404);
      expect((await submit('not-a-key', visitor)).status).to.equal(404);
      const odd = await call(server, 'POST', `/api/admin/forms/${formKey}/disable`, { token: admin, body: { bogus: 1 } });
      expect([odd.status, odd.body.code]).to.deep.equal([400, 'validation_failed']);
      expect((await call(server, 'POST', `/api/admin/forms/${formKey}/disable`, { token: admin })).status).to.equal(200);
      expect((await submit(formKey, visitor)).status).to.equal(404);
    });

    it('refuses unknown and missing fields (400) and writes nothing', async () => {
      const { formKey } = (await newForm()).body;
      const before = await server.store.headPosition();
      expect((await submit(formKey, { ...visitor, isAdmin: true })).status).to.equal(400);
      expect((await submit(formKey, { firstName: 'K' })).status).to.equal(400);
      expect(await server.store.headPosition()).to.equal(before);
    });

    it('refuses forms of an organization without the sales module (403 module_disabled), or suspended (403 organization_suspended; offboarding suspends too), writing nothing', async () => {
      const initechAdmin = await createTenant(server, 'initech');
      const root = await platformToken(server);
      const { formKey } = (await call(server, 'POST', '/api/admin/forms', { token: initechAdmin, body: { name: 'Contact us' } })).body;
      const modules = (sales: boolean) => call(server, 'PUT', '/api/superadmin/organizations/initech/modules', { token: root, body: { sales } });
      const before = await server.store.headPosition();
      expect((await modules(false)).status).to.equal(200);
      const unlicensed = await submit(formKey, visitor);
      expect([unlicensed.status, unlicensed.body.code]).to.deep.equal([403, 'module_disabled']);
      const admin = await call(server, 'POST', '/api/admin/forms', { token: initechAdmin, body: { name: 'Another' } });
      expect([admin.status, admin.body.code]).to.deep.equal([403, 'module_disabled']);
      expect((await modules(true)).status).to.equal(200);
      expect((await call(server, 'POST', '/api/superadmin/organizations/initech/suspend', { token: root, body: { reason: 'unpaid' } })).status).to.equal(200);
      const suspended = await submit(formKey, visitor);
      expect([suspended.status, suspended.body.code]).to.deep.equal([403, 'organization_suspended']);
      const leadsOfInitech = (await server.store.readAll({ after: before, maxCount: 1_000 })).filter((e) => e.stream.startsWith('initech/sales.lead/'));
      expect(leadsOfInitech).to.deep.equal([]);
    });

    it('limits submissions per IP and form (429 with Retry-After); another form keeps its own count', async () => {
      const [{ formKey }, other] = [(await newForm()).body, (await newForm()).body];
      const answers = [];
      for (let i = 0; i < 6; i += 1) answers.push(await submit(formKey, { ...visitor, website: 'trap' }));
      expect(answers.map((a) => a.status)).to.deep.equal([202, 202, 202, 202, 202, 429]);
      expect(Number(answers[5]!.headers.get('retry-after'))).to.be.greaterThan(0);
      expect((await submit(other.formKey, { ...visitor, website: 'trap' })).status).to.equal(202);
    });
  });
});
