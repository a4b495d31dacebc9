import { expect } from 'chai';
import { recordValidators } from '../../../src/commands/catalogue.js';
import { schemaOf } from '../../../src/commands/validate.js';
import { RECORD_RESOURCES } from '../../../src/http/api.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { call, tokenFor } from '../../support/http.js';
import { sampleOf } from '../../support/sample.js';
import { createUserIn } from '../../support/tenant.js';

/** Raw text of an export, read as tenant `token` after `position` is applied. */
const exported = async (server: TestServer, path: string, format: string, token: string, position: number): Promise<string> => {
  const res = await fetch(`${server.url}${path}/export?format=${format}`, { headers: { Authorization: `Bearer ${token}`, 'Consistency-Position': String(position) } });
  expect(res.status).to.equal(200);
  return res.text();
};

describe('tenant isolation of every record resource', () => {
  let server: TestServer;
  let acme: string;
  let globex: string;
  before(async () => {
    server = await startTestServer();
    acme = await tokenFor(server, { tenantId: 'acme', actorId: 'user-acme', roles: ['tenant_admin'] });
    globex = await tokenFor(server, { tenantId: 'globex', actorId: 'user-globex', roles: ['tenant_admin'] });
  });
  after(async () => server.dispose());

  /** What a sample create needs to exist first, by resource (an activity links to a record of its tenant, a target's assignee is one of its users). */
  const prerequisites: Record<string, () => Promise<Record<string, unknown>>> = {
    '/sales/activities': async () => {
      const opportunity = await call(server, 'POST', '/sales/opportunities', { token: acme, body: { name: 'Linked deal' } });
      return { linkedTo: { type: 'opportunity', id: opportunity.body.id } };
    },
    '/sales/targets': async () => ({ assignee: { type: 'user', id: await createUserIn(server, acme, 'quota@isolation.example', ['sales_rep']) } }),
  };

  for (const { kind, path } of RECORD_RESOURCES) {
    describe(path, () => {
      let id: string;
      let position: number;
      let revision: number;
      let body: Record<string, unknown>;
      before(async () => {
        body = { ...(sampleOf(schemaOf(recordValidators(kind).create) as Record<string, unknown>) as Record<string, unknown>), ...(await prerequisites[path]?.()) };
        const created = await call(server, 'POST', path, { token: acme, body });
        expect(created.status, JSON.stringify(created.body)).to.equal(201);
        ({ id, position, revision } = created.body);
      });

      it('answers 404 to another tenant on read, past read, history and every write, and changes nothing', async () => {
        const [field] = Object.keys(body);
        const attempts: Array<[string, string, unknown?]> = [
          ['GET', `${path}/${id}`], ['GET', `${path}/${id}?asOf=0`], ['GET', `${path}/${id}/history`],
          ['PATCH', `${path}/${id}`, { [field!]: body[field!] }], ['POST', `${path}/${id}/archive`, {}], ['POST', `${path}/${id}/restore`],
          ['PUT', `${path}/${id}/owner`, { ownerId: 'user-globex' }], ['POST', `${path}/${id}/tags`, { add: ['stolen'] }],
        ];
        for (const [method, url, sent] of attempts) {
          const res = await call(server, method, url, { token: globex, ...(sent === undefined ? {} : { body: sent }) });
          expect(res.status, `${method} ${url}`).to.equal(404);
        }
        const own = await call(server, 'GET', `${path}/${id}`, { token: acme });
        expect(own.status).to.equal(200);
        expect(own.body.revision).to.equal(revision);
      });

      it('never shows the record in another tenant\'s lists, searches or exports, while its own tenant sees it', async () => {
        const list = (token: string, query = '') =>
          call(server, 'GET', `${path}${query}`, { token, headers: { 'Consistency-Position': String(position) } });
        expect((await list(acme)).body.data.map((r: { id: string }) => r.id)).to.include(id);
        expect((await list(globex)).body.data.map((r: { id: string }) => r.id)).not.to.include(id);
        const byId = await list(globex, `?filter=${encodeURIComponent(`id[eq]:"${id}"`)}`);
        expect(byId.status).to.equal(200);
        expect(byId.body.data).to.deep.equal([]);
        if (kind.searchable?.length) expect((await list(globex, '?q=Sample')).body.data.map((r: { id: string }) => r.id)).not.to.include(id);
        for (const format of ['csv', 'jsonl']) {
          expect(await exported(server, path, format, acme, position)).to.contain(id);
          expect(await exported(server, path, format, globex, position)).not.to.contain(id);
        }
      });
    });
  }
});
