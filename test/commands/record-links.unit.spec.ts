import { DEFAULT_SALES_CONFIG } from '../../src/events/sales/config.js';
import { contactDecider } from '../../src/commands/sales/contact.js';
import { opportunityDecider } from '../../src/commands/sales/opportunity.js';
import type { LinkFinding } from '../../src/commands/record-links.js';
import { specFor } from '../support/decider.js';

const contacts = specFor(contactDecider);
const deals = specFor(opportunityDecider);
const config = DEFAULT_SALES_CONFIG;
const ada = { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.org' };
const missing = (field: string, id: string): LinkFinding => ({ field, id, found: false });
const contactCreated = (fields: object) => ({ type: 'ContactCreated', data: { subjectId: 's-1', fields: { ...ada, ...fields }, ownerId: 'u1', tags: [] } });
const dealCreated = { type: 'OpportunityCreated', data: { fields: { name: 'Deal', pipeline: 'default', stage: 'qualification', probability: 10 }, ownerId: 'u1', tags: [] } };

describe('Record links, as deciders refuse them (findings read before deciding)', () => {
  it('refuses a create linked to a record the tenant does not hold (422 linked_record_not_found)', () => {
    contacts.given().when({ type: 'CreateRecord', fields: { ...ada, accountId: 'a-9' }, ownerId: 'u1', tags: [], links: [missing('accountId', 'a-9')] })
      .thenFails('linked_record_not_found');
  });

  it('refuses a link to a merged contact (422 linked_record_merged); a missing record is named first', () => {
    const links: LinkFinding[] = [{ field: 'contactId', id: 'c-2', found: true, mergedInto: 'c-1' }];
    deals.given(dealCreated).when({ type: 'UpdateRecord', changes: { contactId: 'c-2' }, config, links }).thenFails('linked_record_merged');
    deals.given(dealCreated).when({ type: 'UpdateRecord', changes: { contactId: 'c-2', accountId: 'a-9' }, config, links: [...links, missing('accountId', 'a-9')] })
      .thenFails('linked_record_not_found');
  });

  it('leaves alone a link a patch keeps as it was (a record stored before links were checked still changes)', () => {
    contacts.given(contactCreated({ accountId: 'a-9' })).when({ type: 'UpdateRecord', changes: { accountId: 'a-9', city: 'Paris' }, links: [missing('accountId', 'a-9')] })
      .then({ type: 'ContactUpdated', data: { subjectId: 's-1', changes: { city: 'Paris' } } });
  });

  it('answers a missing record 404 and a merged contact 409 before looking at its links', () => {
    contacts.given().when({ type: 'UpdateRecord', changes: { accountId: 'a-9' }, links: [missing('accountId', 'a-9')] }).thenFails('not_found');
    const merged = { type: 'ContactMerged', data: { into: 'c-1' } };
    contacts.given(contactCreated({}), merged).when({ type: 'UpdateRecord', changes: { accountId: 'a-9' }, links: [missing('accountId', 'a-9')] })
      .thenFails('contact_merged');
  });
});
