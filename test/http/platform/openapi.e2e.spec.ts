import { Validator } from '@seriousme/openapi-schema-validator';
import { expect } from 'chai';
import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { recordValidators } from '../../../src/commands/catalogue.js';
import { schemaOf } from '../../../src/commands/validate.js';
import { RECORD_RESOURCES } from '../../../src/http/api.js';
import { openApiPath } from '../../../src/http/openapi/document.js';
import { componentName } from '../../../src/http/openapi/records.js';
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
