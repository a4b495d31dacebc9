import { expect } from 'chai';
import { tokenFor } from '../../support/http.js';
import { salesSession } from './session.js';

const acme = { name: 'Acme Corp', domain: 'acme.example', industry: 'Manufacturing', size: '51-200', address: { city: 'Lyon', country: 'FR' } };

describe('/sales/accounts', () => {
  const { server, admin, globex, send, get, head } = salesSession();
  const create = (body: unknown = acme, token = admin()) => send('POST', '/sales/accounts', body, token);

  describe('POST /sales/accounts', () => {
    it('answers 201 { id, revision, position } with Location and ETag; the read has no subjectId', async () => {
      const res = await create();
      expect(res.status).to.equal(201);
      expect(res.body).to.have.keys(['id', 'revision', 'position']);
      expect(res.headers.get('location')).to.equal(`/sales/accounts/${res.body.id}`);
      const read = await get(`/sales/accounts/${res.body.id}`);
      expect(read.body).to.include({ name: 'Acme Corp', industry: 'Manufacturing', revision: 0, status: 'active' });
      expect(read.body.address).to.deep.equal({ city: 'Lyon', country: 'FR' });
      expect(read.body).not.to.have.property('subjectId');
    });

    it('refuses a missing name and unknown fields with a 400 problem', async () => {
      const res = await create({ domain: 'x.example', owner: 'me' });
      expect(res.status).to.equal(400);
      expect(res.headers.get('content-type')).to.match(/^application\/problem\+json/);
      expect(res.body.errors.map((e: { pointer: string }) => e.pointer)).to.include.members(['/name', '/owner']);
    });

    it('refuses a whitespace-only name as an empty one (400)', async () => {
      const res = await create({ name: '   ' });
      expect([res.status, res.body.code, res.body.errors?.[0]?.pointer]).to.deep.equal([400, 'validation_failed', '/name']);
    });

    it('answers 403 to a role without sales permissions and 404 to another tenant', async () => {
      const agent = await tokenFor(server(), { tenantId: 'acme', actorId: 'agent', roles: ['support_agent'] });
      expect((await create(acme, agent)).status).to.equal(403);
      const { body: { id } } = await create();
      expect((await get(`/sales/accounts/${id}`, globex())).status).to.equal(404);
    });
  });

  describe('PATCH /sales/accounts/:id', () => {
    it('merges fields with If-Match and answers 412 on a stale revision', async () => {
      const { body: { id } } = await create();
      const ok = await send('PATCH', `/sales/accounts/${id}`, { employees: 120 }, admin(), { 'If-Match': '"0"' });
      expect(ok.status).to.equal(200);
      const stale = await send('PATCH', `/sales/accounts/${id}`, { employees: 130 }, admin(), { 'If-Match': '"0"' });
      expect(stale.status).to.equal(412);
      expect((await get(`/sales/accounts/${id}`)).body).to.include({ employees: 120, name: 'Acme Corp', revision: 1 });
    });

    it('merges a nested object (JSON Merge Patch, application/merge-patch+json): its other members stay, null removes one', async () => {
      const { body: { id } } = await create({ name: 'Nested Co', address: { city: 'Paris', country: 'FR' } });
      const mergePatch = { 'Content-Type': 'application/merge-patch+json' };
      expect((await send('PATCH', `/sales/accounts/${id}`, { address: { city: 'Lyon' } }, admin(), mergePatch)).status).to.equal(200);
      expect((await get(`/sales/accounts/${id}`)).body.address).to.deep.equal({ city: 'Lyon', country: 'FR' });
      const lyon = await get(`/sales/accounts?filter=${encodeURIComponent(`address.city[eq]:"Lyon"`)}`);
      expect(lyon.body.data.map((a: { id: string; address: object }) => [a.id, a.address])).to.deep.include([id, { city: 'Lyon', country: 'FR' }]);
      expect((await send('PATCH', `/sales/accounts/${id}`, { address: { city: null, street: '1 rue de la Paix' } })).status).to.equal(200);
      expect((await get(`/sales/accounts/${id}`)).body.address).to.deep.equal({ country: 'FR', street: '1 rue de la Paix' });
      // The events carry the field whole: history and asOf read it as it was.
      const history = (await get(`/sales/accounts/${id}/history`)).body.data;
      expect(history.map((e: { data: { changes?: object } }) => e.data.changes).slice(1)).to.deep.equal([
        { address: { city: 'Lyon', country: 'FR' } }, { address: { country: 'FR', street: '1 rue de la Paix' } },
      ]);
      expect((await get(`/sales/accounts/${id}?asOf=1`)).body.address).to.deep.equal({ city: 'Lyon', country: 'FR' });
    });

    it('refuses a nested member that is not valid or not known (400 with its pointer), appending nothing', async () => {
      const { body: { id } } = await create({ name: 'Strict Co', address: { city: 'Paris', country: 'FR' } });
      const before = await head();
      for (const [address, pointer] of [[{ country: 'France' }, '/address/country'], [{ zip: '75001' }, '/address/zip']] as const) {
        const res = await send('PATCH', `/sales/accounts/${id}`, { address });
        expect([res.status, res.body.code], JSON.stringify(address)).to.deep.equal([400, 'validation_failed']);
        expect(res.body.errors.map((e: { pointer: string }) => e.pointer)).to.include(pointer);
      }
      expect(await head()).to.equal(before);
      expect((await get(`/sales/accounts/${id}`)).body.address).to.deep.equal({ city: 'Paris', country: 'FR' });
    });
  });

  describe('GET /sales/accounts', () => {
    it('filters by nested country, sorts by name and searches', async () => {
      await create({ name: 'Zeta GmbH', industry: 'Software', address: { country: 'DE' } });
      await create({ name: 'Beta BV', industry: 'Software', address: { country: 'NL' } });
      const filter = encodeURIComponent('and(industry[eq]:"Software",address.country[in]:["DE","NL"])');
      const res = await get(`/sales/accounts?filter=${filter}&sort=name`);
      expect(res.status).to.equal(200);
      expect(res.body.data.map((a: { name: string }) => a.name)).to.deep.equal(['Beta BV', 'Zeta GmbH']);
      expect((await get('/sales/accounts?q=zeta')).body.data.map((a: { name: string }) => a.name)).to.deep.equal(['Zeta GmbH']);
    });

    it('exports CSV', async () => {
      const res = await fetch(`${server().url}/sales/accounts/export?format=csv`, { headers: { Authorization: `Bearer ${admin()}` } });
      expect(res.status).to.equal(200);
      const [header] = (await res.text()).split('\n');
      expect(header).to.contain('name').and.to.contain('industry');
    });
  });

  describe('GET /sales/contacts?filter=accountId[eq]:"…"', () => {
    it('lists the contacts of one account', async () => {
      const { body: { id: accountId } } = await create({ name: 'Initech' });
      const person = { firstName: 'Peter', lastName: 'Gibbons', email: 'peter@initech.example' };
      await send('POST', '/sales/contacts', { ...person, accountId });
      await send('POST', '/sales/contacts', { ...person, lastName: 'Bolton' });
      const res = await get(`/sales/contacts?filter=${encodeURIComponent(`accountId[eq]:"${accountId}"`)}`);
      expect(res.status).to.equal(200);
      expect(res.body.data.map((c: { lastName: string; accountId: string }) => [c.lastName, c.accountId])).to.deep.equal([['Gibbons', accountId]]);
    });
  });
});
