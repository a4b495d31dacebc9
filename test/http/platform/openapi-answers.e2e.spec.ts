/**
 * The public contract checked against the server's real answers over a Sales scenario and the
 * admin and compliance routes: each answer's status is documented for its operation, its body fits
 * the schema documented for that status, and the ETag and Location it sends are the ones documented.
 */
import { expect } from 'chai';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { startTestServer, type TestServer } from '../../support/server.js';
import { createTenant, platformToken } from '../../support/tenant.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;
const DOC_ID = 'https://crm.test/openapi.json';
const HEADERS = ['etag', 'location'];
const isJson = (type: string) => /^application\/(.+\+)?json$/.test(type);
const eur = (amount: number) => ({ amount, currency: 'EUR' });
const year = new Date().getUTCFullYear();

type Answer = { status: number; headers: Headers; body: any };

describe('API documentation (the answers of a Sales scenario and the admin routes)', () => {
  let server: TestServer;
  let doc: any;
  let admin: string;
  let me: string;
  let position = 0;
  const ajv = addFormats(new Ajv2020({ strict: false, allErrors: true }));
  before(async () => {
    server = await startTestServer();
    doc = await (await fetch(`${server.url}/openapi.json`)).json();
    ajv.addSchema({ $id: DOC_ID, components: doc.components });
    admin = await createTenant(server, 'answers');
    me = JSON.parse(Buffer.from(admin.split('.')[1]!, 'base64url').toString()).sub;
  });
  after(async () => server.dispose());

  /** The documented answer of the operation for the status, its `$ref` resolved. */
  const documented = (method: string, path: string, status: number) => {
    const answer = doc.paths[path]?.[method.toLowerCase()]?.responses[String(status)];
    expect(answer, `${method} ${path} documents ${status}`).to.be.an('object');
    return answer.$ref ? doc.components.responses[answer.$ref.split('/').pop()] : answer;
  };

  const fitsDocument = (method: string, path: string, res: Answer, text: string) => {
    const where = `${method} ${path} ${res.status}: ${text.slice(0, 300)}`;
    const answer = documented(method, path, res.status);
    const type = (res.headers.get('content-type') ?? '').split(';')[0]!;
    if (text !== '') expect(answer.content, where).to.have.property(type);
    const schema = answer.content?.[type]?.schema;
    if (schema && isJson(type)) {
      const absolute = JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', `"${DOC_ID}#/components/`));
      const validate = absolute.$ref ? ajv.getSchema(absolute.$ref)! : ajv.compile(absolute);
      expect(validate(res.body), `${where} ${JSON.stringify(validate.errors)}`).to.equal(true);
    }
    const named = Object.keys(answer.headers ?? {}).map((h) => h.toLowerCase());
    for (const header of HEADERS) expect(res.headers.has(header), `${where}: ${header}`).to.equal(named.includes(header));
  };

  /** Sends to `path` (an OpenAPI path, `{name}` filled from `params`), reading what was written so far; checks the answer. */
  const send = async (method: string, path: string, status: number, options: { params?: Record<string, string>; body?: unknown; csv?: string; query?: string; token?: string } = {}) => {
    const url = path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(options.params![name]!)) + (options.query ?? '');
    const headers: Record<string, string> = { Authorization: `Bearer ${options.token ?? admin}`, 'Consistency-Position': String(position) };
    if (options.body !== undefined || options.csv !== undefined) headers['Content-Type'] = options.csv === undefined ? 'application/json' : 'text/csv';
    const res = await fetch(`${server.url}${url}`, { method, headers, body: options.csv ?? (options.body === undefined ? undefined : JSON.stringify(options.body)) });
    const text = await res.text();
    const json = isJson((res.headers.get('content-type') ?? '').split(';')[0]!) && text !== '';
    const answer = { status: res.status, headers: res.headers, body: json ? JSON.parse(text) : text };
    expect(answer.status, `${method} ${url}: ${text.slice(0, 300)}`).to.equal(status);
    if (typeof answer.body?.position === 'number') position = Math.max(position, answer.body.position);
    fitsDocument(method, path, answer, text);
    return answer;
  };

  const RECORDS: Record<string, { create: () => object; patch: object }> = {
    contacts: { create: () => ({ firstName: 'Ada', lastName: 'Lovelace', email: 'ada@answers.example' }), patch: { lastName: 'King' } },
    accounts: { create: () => ({ name: 'Analytical Engines' }), patch: { name: 'Engines' } },
    leads: { create: () => ({ firstName: 'Grace', lastName: 'Hopper', email: 'grace@answers.example', company: 'Navy' }), patch: { company: 'US Navy' } },
    opportunities: { create: () => ({ name: 'Deal', amount: eur(100_000) }), patch: { name: 'Big deal' } },
    quotes: { create: () => ({ title: 'Q', opportunityId: ids.opportunities, validUntil: `${year + 1}-01-31`, lines: [{ productId: 'license', quantity: 2, taxRateId: 'standard' }] }), patch: { title: 'Quote' } },
    activities: { create: () => ({ kind: 'call', subject: 'Call', startsAt: `${year}-01-02T10:00:00Z`, linkedTo: { type: 'contact', id: ids.contacts } }), patch: { subject: 'First call' } },
    targets: { create: () => ({ assignee: { type: 'user', id: me }, period: String(year), metric: 'won_revenue', quota: 1_000_000 }), patch: { quota: 2_000_000 } },
  };
  const ids: Record<string, string> = {};

  it('the reads and writes every record type shares', async () => {
    await send('PATCH', '/api/superadmin/sales-config', 200, { body: { priceBook: [{ id: 'license', name: 'License', prices: [eur(120_000)] }] } });
    for (const [name, { create, patch }] of Object.entries(RECORDS)) {
      const base = `/sales/${name}`;
      const params = { id: (await send('POST', base, 201, { body: create() })).body.id };
      ids[name] = params.id;
      await send('GET', `${base}/{id}`, 200, { params });
      await send('GET', `${base}/{id}`, 200, { params, query: '?asOf=0' });
      await send('GET', `${base}/{id}`, 404, { params: { id: 'missing' } });
      await send('GET', base, 200, { query: '?limit=1&sort=-createdAt' });
      for (const format of ['csv', 'jsonl']) await send('GET', `${base}/export`, 200, { query: `?format=${format}` });
      await send('GET', `${base}/export`, 400);
      await send('PATCH', `${base}/{id}`, 200, { params, body: patch });
      await send('POST', `${base}/{id}/tags`, 200, { params, body: { add: ['vip'] } });
      await send('PUT', `${base}/{id}/owner`, 200, { params, body: { ownerId: me } });
      await send('PUT', `${base}/{id}/owner`, 422, { params, body: { ownerId: 'nobody' } });
      await send('GET', `${base}/{id}/history`, 200, { params });
    }
  });

  it('the rule routes: lead qualify/convert, opportunity lose/reopen/win, quote send/accept, activity reschedule/complete, a merge', async () => {
    const id = (name: string) => ({ params: { id: ids[name]! } });
    await send('POST', '/sales/leads/{id}/rescore', 200, id('leads'));
    await send('POST', '/sales/leads/{id}/status', 200, { ...id('leads'), body: { status: 'contacted' } });
    await send('POST', '/sales/leads/{id}/qualify', 200, { ...id('leads'), body: { reason: 'budget' } });
    await send('POST', '/sales/leads/{id}/convert', 200, { ...id('leads'), body: { opportunity: { name: 'From a lead', amount: eur(5_000) } } });
    await send('POST', '/sales/leads/{id}/convert', 409, { ...id('leads'), body: {} });
    await send('POST', '/sales/quotes/{id}/send', 200, { ...id('quotes'), body: {} });
    await send('POST', '/sales/quotes/{id}/accept', 200, { ...id('quotes'), body: {} });
    await send('POST', '/sales/quotes/{id}/revise', 409, { ...id('quotes'), body: {} });
    const deal = { params: { id: (await send('POST', '/sales/opportunities', 201, { body: { name: 'Deal 2', amount: eur(1_000) } })).body.id } };
    await send('POST', '/sales/opportunities/{id}/lose', 200, { ...deal, body: { reason: 'price' } });
    await send('POST', '/sales/opportunities/{id}/reopen', 200, { ...deal, body: { stage: 'proposal' } });
    await send('POST', '/sales/opportunities/{id}/win', 200, deal);
    await send('POST', '/sales/activities/{id}/reschedule', 200, { ...id('activities'), body: { startsAt: `${year}-02-02T10:00:00Z` } });
    await send('POST', '/sales/activities/{id}/complete', 200, { ...id('activities'), body: { outcome: 'ok' } });
    await send('GET', '/sales/activities/overdue', 200);
    await send('GET', '/sales/targets/{id}/attainment', 200, id('targets'));
    await send('GET', '/sales/accounts/{id}/contacts', 200, id('accounts'));
    const loser = (await send('POST', '/sales/contacts', 201, { body: { firstName: 'Ada', lastName: 'King', email: 'ada2@answers.example' } })).body.id;
    await send('POST', '/sales/contacts/{id}/merge', 200, { ...id('contacts'), body: { loserId: loser } });
    for (const [name, params] of Object.entries(ids).map(([n, i]) => [n, { params: { id: i } }] as const)) {
      if (name === 'leads') continue;
      await send('POST', `/sales/${name}/{id}/archive`, 200, { ...params, body: { reason: 'old' } });
      await send('POST', `/sales/${name}/{id}/restore`, 200, params);
    }
  });

  it('reports, web forms, imports', async () => {
    const window = `?from=${year}&to=${year}`;
    for (const name of ['win-rate', 'cycle-length', 'revenue', 'lead-conversion', 'activity-counts']) await send('GET', `/sales/reports/${name}`, 200, { query: `${window}&interval=year` });
    for (const name of ['pipeline-by-stage', 'forecast-vs-target']) await send('GET', `/sales/reports/${name}`, 200);
    await send('GET', '/sales/reports/{name}', 404, { params: { name: 'nope' } });
    const form = { params: { formKey: (await send('POST', '/api/admin/forms', 201, { body: { name: 'Contact us' } })).body.formKey } };
    await send('GET', '/api/admin/forms', 200);
    await send('GET', '/api/admin/forms/{formKey}', 200, form);
    await send('POST', '/api/admin/forms/{formKey}/disable', 200, form);
    await send('POST', '/api/admin/forms/{formKey}/enable', 200, form);
    await send('POST', '/sales/imports/contacts', 200, { csv: 'firstName,lastName,email\nAda,Byron,byron@answers.example\n,,not an email\n' });
    await send('POST', '/sales/imports/leads', 200, { csv: 'firstName,lastName,email\nAnn,Lee,ann@answers.example\n' });
  });

  it('the platform admin\'s organizations and projections', async () => {
    const token = await platformToken(server);
    await send('GET', '/api/superadmin/organizations', 200, { token });
    await send('GET', '/api/superadmin/organizations/{id}', 200, { token, params: { id: 'answers' } });
    await send('GET', '/api/superadmin/organizations/{id}', 404, { token, params: { id: 'nope' } });
    const projections = await send('GET', '/api/superadmin/projections', 200, { token });
    expect(projections.body.data.map((p: { name: string }) => p.name)).to.include('sales.contact');
  });

  it('users, clients, roles, and a subject\'s consents, restriction and processing', async () => {
    const user = { params: { id: (await send('POST', '/api/admin/users', 201, { body: { email: 'u1@answers.example', password: 'long enough password', name: 'U1', roles: ['sales_rep'] } })).body.id } };
    await send('GET', '/api/admin/users', 200);
    await send('GET', '/api/admin/users/{id}', 200, user);
    await send('GET', '/api/admin/users/{id}/history', 200, user);
    await send('PUT', '/api/admin/users/{id}/roles', 200, { ...user, body: { roles: ['sales_manager'] } });
    await send('POST', '/api/admin/users/{id}/reset-password', 201, { ...user, body: {} });
    await send('POST', '/api/admin/users/{id}/deactivate', 200, { ...user, body: { reason: 'left the company' } });
    const client = { params: { id: (await send('POST', '/api/admin/clients', 201, { body: { name: 'Integration', roles: ['sales_rep'] } })).body.id } };
    await send('GET', '/api/admin/clients', 200);
    await send('GET', '/api/admin/clients/{id}', 200, client);
    await send('POST', '/api/admin/clients/{id}/revoke', 200, { ...client, body: { reason: 'rotated' } });
    const role = { params: { name: 'answers_reader' } };
    await send('POST', '/api/admin/roles', 201, { body: { name: 'answers_reader', grants: [{ permission: 'sales.contacts:read', scope: 'own' }] } });
    await send('PATCH', '/api/admin/roles/{name}', 200, { ...role, body: { grants: [{ permission: 'sales.contacts:read', scope: 'all' }] } });
    await send('GET', '/api/admin/roles/{name}/history', 200, role);
    await send('DELETE', '/api/admin/roles/{name}', 200, role);
    await send('GET', '/api/audit/events/export', 200, { query: '?format=jsonl' });
    const subject = { params: { subjectId: (await send('GET', '/sales/contacts/{id}', 200, { params: { id: ids.contacts! } })).body.subjectId } };
    await send('GET', '/api/compliance/subjects/{subjectId}/consents', 200, subject);
    await send('GET', '/api/compliance/subjects/{subjectId}/restriction', 200, subject);
    await send('POST', '/api/compliance/subjects/{subjectId}/consents', 200, { ...subject, body: { purpose: 'calls', status: 'granted', source: 'phone' } });
    await send('POST', '/api/compliance/subjects/{subjectId}/restriction', 200, { ...subject, body: { restricted: true, ground: 'accuracy_contested' } });
    const consents = await send('GET', '/api/compliance/subjects/{subjectId}/consents', 200, subject);
    expect(consents.body.consents).to.have.length(1);
    await send('GET', '/api/compliance/subjects/{subjectId}/restriction', 200, subject);
    const decision = await send('GET', '/api/compliance/subjects/{subjectId}/processing', 200, { ...subject, query: '?purpose=calls' });
    expect(decision.body).to.include({ allowed: false }).and.deep.include({ refusals: ['restricted'] });
  });
});
