import { Validator } from '@seriousme/openapi-schema-validator';
import { expect } from 'chai';
import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { recordValidators } from '../../../src/commands/catalogue.js';
import { schemaOf } from '../../../src/commands/validate.js';
import { RECORD_RESOURCES } from '../../../src/http/api.js';
import { openApiPath } from '../../../src/http/openapi/document.js';
import { componentName } from '../../../src/http/openapi/records.js';
import { salesReadOperations } from '../../../src/http/openapi/sales-reports.js';
import { salesOperations } from '../../../src/http/openapi/sales.js';
import { submission } from '../../../src/http/public/forms.js';
import { cancelBody, completeBody, overdueQuery, rescheduleBody } from '../../../src/http/sales/activities.js';
import { mergeBody } from '../../../src/http/sales/contacts.js';
import { convertBody, disqualifyBody, qualifyBody, statusBody } from '../../../src/http/sales/leads.js';
import { loseBody, reopenBody } from '../../../src/http/sales/opportunities.js';
import { rejectBody } from '../../../src/http/sales/quotes.js';
import { emptyBody } from '../../../src/http/records.js';
import { REPORTS } from '../../../src/http/sales/reports.js';
import { createBody as webFormBody } from '../../../src/http/sales/web-forms.js';
import { salesConfigValidators } from '../../../src/commands/sales/config.js';
import { mountedRouters, routesOf } from '../../../src/http/openapi/routes.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { call, tokenFor } from '../../support/http.js';
import { createTenant } from '../../support/tenant.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

const require = createRequire(import.meta.url);

describe('API documentation', () => {
  let server: TestServer;
  let doc: any;
  before(async () => {
    server = await startTestServer();
    doc = await (await fetch(`${server.url}/openapi.json`)).json();
  });
  after(async () => server.dispose());

  describe('GET /openapi.json', () => {
    it('is a valid OpenAPI 3.1 document', async () => {
      expect(doc.openapi).to.equal('3.1.0');
      const { valid, errors } = await new Validator().validate(doc);
      expect(errors ?? []).to.deep.equal([]);
      expect(valid).to.equal(true);
    });

    it('documents every route the app mounts (documentation assets aside), protected ones with the bearer scheme', () => {
      const routes = routesOf(mountedRouters(server.app)).filter((r) => !/^\/(docs|redoc)(\/|$)/.test(r.path));
      expect(routes.length).to.be.greaterThan(20);
      for (const { method, path } of routes) {
        const operation = doc.paths[openApiPath(path)]?.[method.toLowerCase()];
        expect(operation, `${method} ${path}`).to.be.an('object');
        if (path.startsWith('/api/public/')) expect(operation.security, `${method} ${path}`).to.deep.equal([]);
        else if (path.startsWith('/sales/') || path.startsWith('/api/')) expect(operation.security, `${method} ${path}`).to.equal(undefined);
      }
      expect(doc.paths['/health/live'].get.security).to.deep.equal([]);
      expect(doc.security).to.deep.include({ bearer: [] });
    });

    it('describes each record resource with the schemas its routes validate with', () => {
      for (const { kind, path } of RECORD_RESOURCES) {
        const name = componentName(kind);
        const validate = recordValidators(kind);
        expect(doc.components.schemas[`${name}Create`]).to.deep.equal(schemaOf(validate.create));
        expect(doc.components.schemas[`${name}Patch`]).to.deep.equal(schemaOf(validate.patch));
        expect(doc.paths[path].post.requestBody.content['application/json'].schema).to.deep.equal({ $ref: `#/components/schemas/${name}Create` });
        const listed = doc.paths[path].get.parameters.map((p: { name: string }) => p.name);
        expect(listed).to.include.members(['filter', 'sort', 'limit', 'cursor', ...(kind.searchable?.length ? ['q'] : [])]);
        expect(doc.paths[`${path}/export`].get.parameters.map((p: { name: string }) => p.name)).to.include('format');
        expect(doc.paths[`${path}/{id}/history`].get.responses['200'].content['application/json'].schema).to.deep.equal({ $ref: '#/components/schemas/History' });
        expect(doc.components.schemas[name].properties).to.include.keys(Object.keys(kind.fields));
        expect(doc.paths[`${path}/{id}`].patch.parameters.map((p: { name: string }) => p.name)).to.include.members(['id', 'If-Match']);
      }
    });

    it('describes PATCH of a record as a JSON Merge Patch, in application/merge-patch+json or application/json', () => {
      for (const { kind, path } of RECORD_RESOURCES) {
        const { requestBody } = doc.paths[`${path}/{id}`].patch;
        const schema = { $ref: `#/components/schemas/${componentName(kind)}Patch` };
        expect(requestBody.content).to.deep.equal({ 'application/merge-patch+json': { schema }, 'application/json': { schema } });
        expect(requestBody.description, path).to.contain('RFC 7386');
      }
      const address = doc.components.schemas.SalesAccountPatch.properties.address.anyOf[0];
      expect(address).to.not.have.property('required');
      expect(address.properties.city).to.deep.equal({ anyOf: [{ type: 'string', maxLength: 100 }, { type: 'null' }] });
    });

    it('describes the platform routes\' bodies with their ajv schemas', () => {
      expect(doc.paths['/api/superadmin/organizations'].post.requestBody.content['application/json'].schema).to.deep.equal({ $ref: '#/components/schemas/NewOrganization' });
      expect(doc.components.schemas.NewOrganization.required).to.deep.equal(['name', 'slug', 'admin']);
      const bodies = {
        '/api/compliance/subjects/{subjectId}/consents': ['post', 'ConsentChange'],
        '/api/compliance/subjects/{subjectId}/restriction': ['post', 'ProcessingRestriction'],
        '/api/compliance/retention-policies/{policyId}': ['put', 'RetentionPolicy'],
      } as const;
      for (const [path, [method, schema]] of Object.entries(bodies)) {
        expect(doc.paths[path][method].requestBody.content['application/json'].schema, path).to.deep.equal({ $ref: `#/components/schemas/${schema}` });
        expect(JSON.stringify(doc.components.schemas[schema]), schema).to.include('"additionalProperties":false');
      }
    });

    it('lets a read carry what the server computes (a quote line\'s net and tax rate): no additionalProperties false in record views', () => {
      expect(JSON.stringify(doc.components.schemas.SalesQuote)).to.not.include('"additionalProperties":false');
    });
  });

  describe('GET /openapi.json (Sales rule routes)', () => {
    /** Each rule route and the validator its body is checked with (none: no body). */
    const SALES_ROUTES: Array<[string, ((input: unknown) => unknown) | null]> = [
      ['POST /sales/leads/:id/status', statusBody], ['POST /sales/leads/:id/qualify', qualifyBody],
      ['POST /sales/leads/:id/disqualify', disqualifyBody], ['POST /sales/leads/:id/convert', convertBody],
      ['POST /sales/opportunities/:id/win', emptyBody], ['POST /sales/opportunities/:id/lose', loseBody],
      ['POST /sales/opportunities/:id/reopen', reopenBody],
      ['POST /sales/quotes/:id/send', emptyBody], ['POST /sales/quotes/:id/accept', emptyBody],
      ['POST /sales/quotes/:id/reject', rejectBody], ['POST /sales/quotes/:id/revise', emptyBody],
      ['POST /sales/contacts/:id/merge', mergeBody],
      ['POST /sales/activities/:id/complete', completeBody], ['POST /sales/activities/:id/reschedule', rescheduleBody],
      ['POST /sales/activities/:id/cancel', cancelBody], ['GET /sales/activities/overdue', null],
      ['GET /sales/targets/:id/attainment', null], ['GET /sales/reports/:name', null],
      ...Object.keys(REPORTS).map((name): [string, null] => [`GET /sales/reports/${name}`, null]),
      ['POST /api/admin/forms', webFormBody], ['POST /api/admin/forms/:formKey/disable', null],
      ['POST /api/public/forms/:formKey/leads', submission],
      ['GET /api/superadmin/sales-config', null], ['PUT /api/superadmin/sales-config', salesConfigValidators.config],
      ['PATCH /api/superadmin/sales-config', salesConfigValidators.changes],
    ];
    const described = () => ({ ...salesOperations(), ...salesReadOperations() });
    const operationOf = (key: string) => {
      const [method, path] = key.split(' ') as [string, string];
      return doc.paths[openApiPath(path)]?.[method.toLowerCase()];
    };
    const resolved = (schema: { $ref?: string }) => (schema.$ref ? doc.components.schemas[schema.$ref.split('/').pop()!] : schema);
    const queryParameters = (operation: { parameters: Array<{ name: string; in: string }> }) => operation.parameters.filter((p) => p.in === 'query').map((p) => p.name);

    it('gives each its own summary and, for a body, the schema its route validates with', () => {
      for (const [key, validate] of SALES_ROUTES) {
        const operation = operationOf(key);
        expect(operation, key).to.be.an('object');
        expect(operation.summary, key).to.equal(described()[key]?.summary).and.not.equal(key);
        if (validate === null) continue;
        expect(resolved(operation.requestBody.content['application/json'].schema), key).to.deep.equal(schemaOf(validate));
      }
    });

    it('states the refusal codes and answers of the rules', () => {
      expect(operationOf('POST /sales/quotes/:id/accept').description).to.contain('`quote_not_sent`').and.contain('`quote_expired`');
      expect(operationOf('POST /sales/leads/:id/convert').description).to.contain('`lead_disqualified`');
      expect(operationOf('POST /sales/opportunities/:id/win').responses['200'].content['application/json'].schema).to.deep.equal({ $ref: '#/components/schemas/WriteResult' });
      expect(operationOf('POST /sales/leads/:id/convert').responses['200'].content['application/json'].schema.required).to.include('contactId');
      expect(operationOf('POST /sales/opportunities/:id/lose').parameters.map((p: { name: string }) => p.name)).to.include.members(['id', 'If-Match']);
      expect(operationOf('POST /sales/opportunities/:id/reopen').requestBody.required).to.equal(true);
      for (const key of ['PUT /api/superadmin/sales-config', 'PATCH /api/superadmin/sales-config']) {
        expect(operationOf(key).parameters.map((p: { name: string }) => p.name), key).to.deep.equal(['If-Match', 'If-None-Match']);
        expect(operationOf(key).description, key).to.contain('If-None-Match: *');
      }
      expect(operationOf('POST /sales/opportunities/:id/lose').parameters.map((p: { name: string }) => p.name)).to.not.include('If-None-Match');
      expect(operationOf('GET /api/superadmin/sales-config').description).to.contain('If-None-Match: *');
      // A missing reason is the rule's 422, not a malformed body: the body may be left out, and the operation says so.
      for (const key of ['POST /sales/opportunities/:id/lose', 'POST /sales/quotes/:id/reject', 'POST /sales/leads/:id/disqualify', 'POST /sales/activities/:id/cancel']) {
        expect(operationOf(key).requestBody.required, key).to.equal(false);
        expect(operationOf(key).description, key).to.contain('`reason_required`');
      }
      expect(operationOf('POST /sales/quotes/:id/send').requestBody.required).to.equal(false);
      const form = operationOf('POST /api/public/forms/:formKey/leads');
      expect(form.security).to.deep.equal([]);
      expect(Object.keys(form.requestBody.content)).to.include('application/x-www-form-urlencoded');
    });

    it('documents each report on a path of its own with the parameters it takes, and the overdue view\'s query', () => {
      for (const [name, { params }] of Object.entries(REPORTS)) {
        const operation = operationOf(`GET /sales/reports/${name}`);
        expect(queryParameters(operation), name).to.deep.equal([...params]);
      }
      expect(operationOf('GET /sales/reports/:name').parameters[0].schema.enum).to.deep.equal(Object.keys(REPORTS));
      const overdue = queryParameters(operationOf('GET /sales/activities/overdue'));
      expect(overdue).to.deep.equal(Object.keys((schemaOf(overdueQuery) as { properties: object }).properties));
    });
  });

  describe('GET /openapi.json (the API\'s conventions)', () => {
    const METHODS = ['get', 'post', 'put', 'patch', 'delete'];
    const operations = () => Object.entries(doc.paths).flatMap(([path, item]: [string, any]) =>
      METHODS.filter((m) => item[m]).map((method) => ({ method, path, operation: item[method] })));
    const names = (operation: { parameters?: Array<{ name: string; in: string }> }, where: string) =>
      (operation.parameters ?? []).filter((p) => p.in === where).map((p) => p.name);
    const isApi = (path: string) => /^\/(sales|api)\//.test(path);
    const isAuthenticated = (path: string) => isApi(path) && !path.startsWith('/api/public/');
    const json = (answer: any) => answer.content['application/json'].schema;

    it('describes the filter language as the parser reads it (and(…), or(…), not(…)), with an example that a list accepts', async () => {
      const filter = doc.paths['/sales/contacts'].get.parameters.find((p: { name: string }) => p.name === 'filter');
      expect(filter.description).to.not.contain('joined with commas');
      expect(filter.description).to.contain('`and(…)`').and.contain('`or(…)`').and.contain('`not(…)`');
      const example = /e\.g\. `([^`]+)`/.exec(filter.description)![1]!;
      const token = await tokenFor(server, { tenantId: 'acme', actorId: 'reader', roles: ['sales_manager'] });
      expect((await call(server, 'GET', `/sales/contacts?filter=${encodeURIComponent(example)}`, { token })).status, example).to.equal(200);
      const commas = await call(server, 'GET', `/sales/contacts?filter=${encodeURIComponent('status[eq]:"active",city[eq]:"London"')}`, { token });
      expect(commas.body.code).to.equal('invalid_filter');
      const overdue = doc.paths['/sales/activities/overdue'].get.parameters.find((p: { name: string }) => p.name === 'filter');
      expect(overdue.description).to.contain(example);
    });

    it('documents Idempotency-Key on the authenticated API\'s POSTs (not a CSV upload\'s), Consistency-Position on the reads of a read model', () => {
      expect(names(doc.paths['/sales/contacts'].post, 'header')).to.include('Idempotency-Key');
      for (const { method, path, operation } of operations()) {
        const honoured = method === 'post' && isAuthenticated(path) && !path.startsWith('/sales/imports/');
        expect(names(operation, 'header').includes('Idempotency-Key'), `${method} ${path}`).to.equal(honoured);
      }
      const reads = ['/sales/contacts', '/sales/contacts/export', '/sales/activities/overdue', '/sales/accounts/{id}/contacts',
        '/sales/targets/{id}/attainment', '/sales/reports/{name}', ...Object.keys(REPORTS).map((name) => `/sales/reports/${name}`)];
      for (const path of reads) expect(names(doc.paths[path].get, 'header'), path).to.include('Consistency-Position');
      expect(names(doc.paths['/sales/contacts/{id}'].get, 'header')).to.not.include('Consistency-Position');
    });

    it('documents the ETag of record reads and of write answers, and the Location of creates', () => {
      expect(doc.paths['/sales/contacts/{id}'].get.responses['200'].headers).to.have.key('ETag');
      expect(doc.paths['/sales/contacts'].post.responses['201'].headers).to.have.keys(['ETag', 'Location']);
      expect(doc.paths['/api/superadmin/sales-config'].get.responses['200'].headers).to.have.key('ETag');
      for (const { method, path, operation } of operations()) {
        for (const [status, answer] of Object.entries<any>(operation.responses)) {
          if (!/^2/.test(status) || answer.content?.['application/json']?.schema?.$ref !== '#/components/schemas/WriteResult') continue;
          expect(answer.headers, `${method} ${path} ${status}`).to.include.keys('ETag');
        }
      }
      expect(doc.paths['/api/admin/users/{id}/reset-password'].post.responses['201'].headers).to.not.have.key('Location');
    });

    it('references problem answers by status: 400/401/403 on the authenticated API, 404 with a path parameter, 409/422 on writes, 412 with If-Match, 429 everywhere', () => {
      for (const [name, answer] of Object.entries<any>(doc.components.responses)) {
        expect(answer.content['application/problem+json'].schema, name).to.deep.equal({ $ref: '#/components/schemas/Problem' });
      }
      expect(doc.components.schemas.Problem.properties).to.include.keys(['code', 'correlationId', 'errors']);
      expect(doc.components.schemas.Problem.properties.errors.items.required).to.deep.equal(['pointer', 'message']);
      expect(doc.paths['/sales/contacts/{id}'].get.responses['404']).to.deep.equal({ $ref: '#/components/responses/NotFound' });
      for (const { method, path, operation } of operations()) {
        const codes = Object.keys(operation.responses);
        const expected = [
          ...(isApi(path) ? ['400'] : []), ...(isAuthenticated(path) ? ['401', '403'] : []), ...(isApi(path) && path.includes('{') ? ['404'] : []),
          ...(isApi(path) && method !== 'get' ? ['409', '422'] : []), ...(names(operation, 'header').includes('If-Match') ? ['412'] : []), '429', 'default',
        ];
        expect(codes, `${method} ${path}`).to.include.members(expected);
        for (const code of codes.filter((c) => /^4/.test(c))) {
          const target = operation.responses[code].$ref?.replace('#/components/responses/', '');
          expect(doc.components.responses[target], `${method} ${path} ${code}`).to.be.an('object');
        }
      }
      expect(names(doc.paths['/api/admin/roles/{name}'].patch, 'header')).to.include('If-Match');
    });

    describe('answers as the server really gives them', () => {
      const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;
      const ajv = addFormats(new Ajv2020({ strict: false, allErrors: true }));
      const DOC_ID = 'https://crm.test/openapi.json';
      let registered = false;
      /** Asserts that `answer` has the status and fits the JSON schema the document gives the operation's answer. */
      const fits = (answer: { status: number; body: unknown }, method: string, path: string, status = answer.status) => {
        if (!registered) ajv.addSchema({ $id: DOC_ID, components: doc.components });
        registered = true;
        expect(answer.status, `${method} ${path}: ${JSON.stringify(answer.body)}`).to.equal(status);
        const schema = JSON.parse(JSON.stringify(json(doc.paths[path][method].responses[String(status)])).replaceAll('"#/components/', `"${DOC_ID}#/components/`));
        const validate = schema.$ref ? ajv.getSchema(schema.$ref)! : ajv.compile(schema);
        expect(validate(answer.body), `${method} ${path}: ${JSON.stringify(validate.errors)} in ${JSON.stringify(answer.body)}`).to.equal(true);
      };
      let admin: string;
      before(async () => {
        admin = await createTenant(server, 'docs');
      });

      it('health, audit, roles, permissions, sessions', async () => {
        fits(await call(server, 'GET', '/health/live'), 'get', '/health/live');
        fits(await call(server, 'GET', '/health/ready'), 'get', '/health/ready');
        const role = await call(server, 'POST', '/api/admin/roles', { token: admin, body: { name: 'docs_reader', grants: [{ permission: 'sales.contacts:read', scope: 'own' }] } });
        fits(role, 'post', '/api/admin/roles', 201);
        expect(role.headers.get('location')).to.equal('/api/admin/roles/docs_reader');
        const roles = await call(server, 'GET', '/api/admin/roles', { token: admin });
        fits(roles, 'get', '/api/admin/roles');
        expect(roles.body.data.map((r: { name: string }) => r.name)).to.include('docs_reader');
        fits(await call(server, 'GET', '/api/admin/permissions', { token: admin }), 'get', '/api/admin/permissions');
        const sessions = await call(server, 'GET', '/api/admin/sessions', { token: admin });
        fits(sessions, 'get', '/api/admin/sessions');
        expect(sessions.body.data).to.have.length.greaterThan(0);
        fits(await call(server, 'GET', '/api/audit/verify', { token: admin }), 'get', '/api/audit/verify');
        const events = await call(server, 'GET', '/api/audit/events?limit=5', { token: admin });
        fits(events, 'get', '/api/audit/events');
        expect(events.body.data).to.have.length.greaterThan(0);
      });

      it('record writes and reads with their ETag and Location, and a subject\'s access export', async () => {
        const created = await call(server, 'POST', '/sales/contacts', { token: admin, body: { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@docs.example' } });
        fits(created, 'post', '/sales/contacts', 201);
        expect(created.headers.get('location')).to.equal(`/sales/contacts/${created.body.id}`);
        expect(created.headers.get('etag')).to.equal('"0"');
        const read = await call(server, 'GET', `/sales/contacts/${created.body.id}`, { token: admin });
        fits(read, 'get', '/sales/contacts/{id}');
        expect(read.headers.get('etag')).to.match(new RegExp(doc.paths['/sales/contacts/{id}'].get.responses['200'].headers.ETag.schema.pattern));
        const stale = await call(server, 'PATCH', `/sales/contacts/${created.body.id}`, { token: admin, body: { city: 'London' }, headers: { 'If-Match': '"7"' } });
        expect(stale.status).to.equal(412);
        const listed = await call(server, 'GET', '/sales/contacts', { token: admin, headers: { 'Consistency-Position': String(created.body.position) } });
        fits(listed, 'get', '/sales/contacts');
        expect((await call(server, 'GET', '/sales/contacts', { token: admin, headers: { 'Consistency-Position': 'soon' } })).body.code).to.equal('invalid_consistency_position');
        fits(await call(server, 'GET', `/api/compliance/subjects/${read.body.subjectId}/export`, { token: admin }), 'get', '/api/compliance/subjects/{subjectId}/export');
        fits(await call(server, 'GET', '/api/compliance/classification', { token: admin }), 'get', '/api/compliance/classification');
      });

      it('retention policies, their sweep, and an invitation accepted', async () => {
        const policy = { recordType: 'sales.contact', filter: 'status[eq]:"archived"', olderThan: 'P24M' };
        fits(await call(server, 'PUT', '/api/compliance/retention-policies/old_archived', { token: admin, body: policy }), 'put', '/api/compliance/retention-policies/{policyId}');
        fits(await call(server, 'POST', '/api/compliance/retention-policies/sweep', { token: admin }), 'post', '/api/compliance/retention-policies/sweep', 202);
        let listed = await call(server, 'GET', '/api/compliance/retention-policies', { token: admin });
        for (let tries = 0; listed.body.lastSweep === null && tries < 50; tries += 1) {
          await new Promise((resolve) => setTimeout(resolve, 100));
          listed = await call(server, 'GET', '/api/compliance/retention-policies', { token: admin });
        }
        expect(listed.body.lastSweep, 'the sweep ran').to.not.equal(null);
        fits(listed, 'get', '/api/compliance/retention-policies');
        const invited = await call(server, 'POST', '/api/admin/users/invite', { token: admin, body: { email: 'grace@docs.example', name: 'Grace', roles: ['sales_rep'] } });
        fits(invited, 'post', '/api/admin/users/invite', 201);
        fits(await call(server, 'POST', invited.body.path, { body: { password: 'a long enough password' } }), 'post', '/api/public/invitations/{token}/accept');
      });
    });
  });

  /** Every script and stylesheet of the page, fetched from this server; none from elsewhere. */
  const assetsOf = async (page: string) => {
    const res = await fetch(`${server.url}${page}`);
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.match(/^text\/html/);
    const html = await res.text();
    const urls = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(urls.filter((u) => /^(https?:)?\/\//.test(u)), 'no CDN').to.deep.equal([]);
    const assets = await Promise.all(urls.map(async (u) => ({ url: u, res: await fetch(`${server.url}${u}`) })));
    return { html, csp: res.headers.get('content-security-policy'), assets };
  };

  describe('GET /docs (Swagger UI)', () => {
    it('loads its bundle, preset, stylesheet and initializer from this server, pointing at /openapi.json', async () => {
      const { assets, csp } = await assetsOf('/docs');
      expect(assets.map((a) => a.url)).to.include.members(['/docs/swagger-ui.css', '/docs/swagger-ui-bundle.js', '/docs/init.js']);
      for (const { url, res } of assets) expect(res.status, url).to.equal(200);
      const init = await (await fetch(`${server.url}/docs/init.js`)).text();
      expect(init).to.contain("url: '/openapi.json'");
      expect(csp).to.contain("script-src 'self'").and.contain("frame-ancestors 'none'");
    });
  });

  describe('GET /redoc (ReDoc)', () => {
    it('loads the standalone bundle of the redoc package from this server', async () => {
      const { html, assets } = await assetsOf('/redoc');
      expect(html).to.contain('spec-url="/openapi.json"');
      const bundle = assets.find((a) => a.url === '/redoc/redoc.standalone.js')!;
      expect(bundle.res.status).to.equal(200);
      const size = statSync(require.resolve('redoc/bundles/redoc.standalone.js')).size;
      expect((await bundle.res.arrayBuffer()).byteLength).to.equal(size);
    });

    it('serves nothing else of the packages (404)', async () => {
      expect((await fetch(`${server.url}/redoc/package.json`)).status).to.equal(404);
      expect((await fetch(`${server.url}/docs/..%2Fpackage.json`)).status).to.equal(404);
    });
  });
});
