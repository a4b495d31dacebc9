import { expect } from 'chai';
import type { RecordKind } from '../../src/events/catalogue.js';
import { contactKind } from '../../src/events/sales/contact.js';
import { catalogueColumns, catalogueListSpec, catalogueProjector, catalogueTables } from '../../src/projections/catalogue.js';
import { collationKey } from '../../src/projections/catalogue-columns.js';
import { thrown } from '../events/personal-data/support.js';
import { dealKind } from './deal.js';

describe('projections: the catalogue shape of a record kind', () => {
  it('gives every API field its column and type: the common ones and one per filterable or sortable field', () => {
    expect(catalogueColumns(dealKind)).to.deep.equal({
      id: { column: 'id', type: 'string' },
      subjectId: { column: 'subject_id', type: 'string' },
      status: { column: 'status', type: 'string' },
      ownerId: { column: 'owner_id', type: 'string' },
      tags: { column: 'tags', type: 'tags' },
      createdAt: { column: 'created_at', type: 'datetime' },
      updatedAt: { column: 'updated_at', type: 'datetime' },
      revision: { column: 'revision', type: 'integer' },
      stage: { column: 'stage', type: 'string' },
      'amount.amount': { column: 'amount__amount', type: 'integer' },
      city: { column: 'city', type: 'string' },
      lastName: { column: 'last_name', type: 'string', sortColumn: 'last_name__key' },
      vip: { column: 'vip', type: 'boolean' },
      closeAt: { column: 'close_at', type: 'datetime' },
      labels: { column: 'labels', type: 'tags' },
      score: { column: 'score', type: 'number' },
    });
  });

  it('sorts text by a collation key column of its own, and keeps an email (format email) as a field of type email', () => {
    const columns = catalogueColumns(contactKind);
    expect(columns.email).to.deep.equal({ column: 'email', type: 'email' });
    expect(columns.firstName).to.deep.equal({ column: 'first_name', type: 'string', sortColumn: 'first_name__key' });
    expect(columns.jobTitle, 'filterable, not sortable').to.deep.equal({ column: 'job_title', type: 'string' });
    const indexes = catalogueProjector(contactKind).indexes!.sales_contact!('t');
    expect(indexes).to.include.members([
      'CREATE INDEX IF NOT EXISTS "t__last_name__key" ON "t" (tenant_id, "last_name__key", id)',
      'CREATE INDEX IF NOT EXISTS "t__last_name" ON "t" (tenant_id, "last_name", id)',
    ]);
  });

  it('compares text without case, accents or compatibility forms: the collation key', () => {
    const keys = { 'Émile': 'emile', 'DURAND': 'durand', 'Ölaf': 'olaf', 'ﬁne': 'fine', 'İnci': 'inci', 'Ångström': 'angstrom', '李': '李', 'a_b%c': 'a_b%c' };
    for (const [text, key] of Object.entries(keys)) expect(collationKey(text), text).to.equal(key);
  });

  it('describes the list over the physical tables, with search through the FTS5 table', () => {
    const spec = catalogueListSpec(dealKind, { records: 'test_deal__v1_1', search: 'test_deal_search__v1_1' });
    expect(spec).to.deep.include({
      table: 'test_deal__v1_1', tenantColumn: 'tenant_id', idColumn: 'id', defaultSort: '-createdAt',
      search: { ftsTable: 'test_deal_search__v1_1' },
    });
    expect(spec.sortable).to.deep.equal(['createdAt', 'updatedAt', 'lastName', 'amount.amount', 'closeAt', 'score']);
    expect(spec.filterable).to.include.members(['status', 'ownerId', 'tags', 'stage', 'amount.amount']);
    expect(catalogueTables(dealKind)).to.deep.equal({ records: 'test_deal', search: 'test_deal_search' });
  });

  it('derives its version from the shape: a new column changes it, nothing else does', () => {
    const same = catalogueProjector({ ...dealKind, required: [] });
    const wider = catalogueProjector({ ...dealKind, filterable: [...dealKind.filterable, 'amount.currency'] });
    expect(same.version).to.equal(catalogueProjector(dealKind).version);
    expect(wider.version).to.not.equal(same.version);
    expect(catalogueProjector(dealKind, { version: 7 }).version).to.equal(7);
    expect(catalogueProjector(dealKind).handles).to.include.members(['DealCreated', 'DealTagged', 'PersonalDataErased']);
  });

  it('refuses fields that cannot have a column', () => {
    const kind = (over: Partial<RecordKind>): RecordKind => ({ ...dealKind, ...over });
    expect(thrown(() => catalogueColumns(kind({ filterable: ['amount'] }))).code).to.equal('invalid_record_kind');
    expect(thrown(() => catalogueColumns(kind({ filterable: ['nope'] }))).code).to.equal('invalid_record_kind');
    const status = kind({ fields: { ...dealKind.fields, status: { type: 'string' } }, filterable: ['status'] });
    expect(thrown(() => catalogueColumns(status)).code).to.equal('invalid_record_kind');
  });
});
