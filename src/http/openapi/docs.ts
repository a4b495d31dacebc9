/**
 * `/openapi.json`, Swagger UI at `/docs` and ReDoc at `/redoc`, their assets served from the npm
 * packages (swagger-ui-dist, redoc): no CDN, so the pages work offline and under a strict CSP.
 * The document is built at the first request from the app's own routers (see `routes.ts`).
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import { createReadStream } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { NotFoundError } from '../../errors.js';
import { openApiDocument, type DocumentInput } from './document.js';
import { mountedRouters, routesOf } from './routes.js';

const packageDir = (name: string): string => dirname(createRequire(import.meta.url).resolve(`${name}/package.json`));

/** Served files by URL: the package file and its type (nothing else of the packages is reachable). */
const ASSETS: Record<string, { file: () => string; type: string }> = {
  '/docs/swagger-ui.css': { file: () => join(packageDir('swagger-ui-dist'), 'swagger-ui.css'), type: 'text/css' },
  '/docs/swagger-ui-bundle.js': { file: () => join(packageDir('swagger-ui-dist'), 'swagger-ui-bundle.js'), type: 'application/javascript' },
  '/docs/swagger-ui-standalone-preset.js': { file: () => join(packageDir('swagger-ui-dist'), 'swagger-ui-standalone-preset.js'), type: 'application/javascript' },
  '/docs/favicon-32x32.png': { file: () => join(packageDir('swagger-ui-dist'), 'favicon-32x32.png'), type: 'image/png' },
  '/redoc/redoc.standalone.js': { file: () => join(packageDir('redoc'), 'bundles', 'redoc.standalone.js'), type: 'application/javascript' },
};

// validatorUrl null: else the page sends the document's address to validator.swagger.io.
const SWAGGER_INIT = `window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui', deepLinking: true, validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset], layout: 'StandaloneLayout' });\n`;

const page = (title: string, head: string, bodyHtml: string): string =>
  `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>${title}</title>` +
  `<meta name="viewport" content="width=device-width, initial-scale=1">${head}</head><body>${bodyHtml}</body></html>\n`;

const SWAGGER_PAGE = page('CRM API: Swagger UI', '<link rel="stylesheet" href="/docs/swagger-ui.css"><link rel="icon" href="/docs/favicon-32x32.png">',
  '<div id="swagger-ui"></div><script src="/docs/swagger-ui-bundle.js"></script><script src="/docs/swagger-ui-standalone-preset.js"></script><script src="/docs/init.js"></script>');

const REDOC_PAGE = page('CRM API: ReDoc', '', '<redoc spec-url="/openapi.json"></redoc><script src="/redoc/redoc.standalone.js"></script>');

/** The UIs inject styles and ReDoc searches in a worker: allowed from this origin only. */
const DOCS_CSP = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; " +
  "connect-src 'self'; worker-src 'self' blob:; frame-ancestors 'none'";

const html = (text: string) => (ctx: Context) => {
  ctx.set('Content-Security-Policy', DOCS_CSP);
  ctx.type = 'html';
  ctx.body = text;
};

const asset = (ctx: Context) => {
  const found = ASSETS[ctx.path];
  if (!found) throw new NotFoundError(`No resource at ${ctx.path}`);
  ctx.set('Cache-Control', 'public, max-age=3600');
  ctx.type = found.type;
  ctx.body = createReadStream(found.file());
};

/** The documentation routes; `input` lacks the routes, read from the app at the first request. */
export const docsRoutes = (input: Omit<DocumentInput, 'routes'>): Router => {
  let document: object | undefined;
  const router = new Router();
  router.get('/openapi.json', (ctx) => {
    document ??= openApiDocument({ ...input, routes: routesOf(mountedRouters(ctx.app)) });
    ctx.body = document;
  });
  router.get('/docs', html(SWAGGER_PAGE));
  router.get('/docs/init.js', (ctx) => {
    ctx.type = 'application/javascript';
    ctx.body = SWAGGER_INIT;
  });
  router.get('/docs/:asset', asset);
  router.get('/redoc', html(REDOC_PAGE));
  router.get('/redoc/:asset', asset);
  return router;
};
