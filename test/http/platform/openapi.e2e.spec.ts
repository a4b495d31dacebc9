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
      expect(operationOf('POST /sales/opportunities/:id/lose').requestBody.required).to.equal(true);
      expect(operationOf('POST /sales/quotes/:id/send').requestBody.required).to.equal(false);
      const form = operationOf('POST /api/public/forms/:formKey/leads');
      expect(form.security).to.deep.equal([]);
      expect(Object.keys(form.requestBody.content)).to.include('application/x-www-form-urlencoded');
    });

    it('documents each report on a path of its own with the parameters it takes, and the overdue view\'s query', () => {
      for (const [name, { params }] of Object.entries(REPORTS)) {
        const operation = operationOf(`GET /sales/reports/${name}`);
        expect(operation.parameters.map((p: { name: string }) => p.name), name).to.deep.equal([...params]);
      }
      expect(operationOf('GET /sales/reports/:name').parameters[0].schema.enum).to.deep.equal(Object.keys(REPORTS));
      const overdue = operationOf('GET /sales/activities/overdue').parameters.map((p: { name: string }) => p.name);
      expect(overdue).to.deep.equal(Object.keys((schemaOf(overdueQuery) as { properties: object }).properties));
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
