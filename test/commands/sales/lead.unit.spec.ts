import { expect } from 'chai';
import { leadDecider } from '../../../src/commands/sales/lead.js';
import { catalogueDecider, recordValidators } from '../../../src/commands/catalogue.js';
import { fold } from '../../../src/commands/decider.js';
import { leadKind } from '../../../src/events/sales/lead.js';
import { DEFAULT_SALES_CONFIG } from '../../../src/events/sales/config.js';
import { specFor } from '../../support/decider.js';

const { given } = specFor(leadDecider);
const fields = { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.org', company: 'Analytical Engines' };
const config = DEFAULT_SALES_CONFIG;
const scored = { score: 20, scoreReasons: ['company_given'] };
const created = { type: 'LeadCreated', data: { subjectId: 's-1', fields: { ...fields, leadStatus: 'new', ...scored }, ownerId: 'u1', tags: [] } };
const qualified = { type: 'LeadQualified', data: { subjectId: 's-1', reason: 'budget confirmed' } };
const disqualified = { type: 'LeadDisqualified', data: { subjectId: 's-1', reason: 'no budget' } };
const archived = { type: 'LeadArchived', data: { reason: null } };
const ids = { contactId: 'c-1', accountId: 'a-1', opportunityId: 'o-1' };
const converted = { type: 'LeadConverted', data: { contactId: 'c-1', accountId: 'a-1', opportunityId: null } };

describe('Lead decider', () => {
  describe('CreateRecord', () => {
    it('creates the lead under its own subject with status new, scored by the tenant\'s rules', () => {
      given().when({ type: 'CreateRecord', fields, ownerId: 'u1', tags: [], subjectId: 's-1', config }).then(created);
    });
  });

  describe('ChangeLeadStatus', () => {
    const change = (status: string) => ({ type: 'ChangeLeadStatus' as const, status, config: DEFAULT_SALES_CONFIG });
    it('sets a status of the tenant\'s configuration', () => {
      given(created).when(change('contacted')).then({ type: 'LeadStatusChanged', data: { status: 'contacted' } });
    });
    it('changes nothing when the lead has that status already', () => {
      given(created).when(change('new')).then();
    });
    it('refuses an unconfigured status and one only a rule sets (422 invalid_lead_status)', () => {
      given(created).when(change('sleeping')).thenFails('invalid_lead_status');
      given(created).when(change('converted')).thenFails('invalid_lead_status');
    });
    it('refuses a converted lead (409 lead_converted)', () => {
      given(created, converted).when(change('contacted')).thenFails('lead_converted');
    });
  });

  describe('QualifyLead', () => {
    it('qualifies an open lead, with or without a reason', () => {
      given(created).when({ type: 'QualifyLead', reason: 'budget confirmed' }).then(qualified);
      given(created, disqualified).when({ type: 'QualifyLead', reason: null }).then({ type: 'LeadQualified', data: { subjectId: 's-1', reason: null } });
    });
    it('changes nothing when already qualified, with the same reason or none', () => {
      given(created, qualified).when({ type: 'QualifyLead', reason: null }).then();
      given(created, qualified).when({ type: 'QualifyLead', reason: 'budget confirmed' }).then();
    });
    it('records a different reason on a lead already qualified', () => {
      given(created, qualified).when({ type: 'QualifyLead', reason: 'champion found' })
        .then({ type: 'LeadQualified', data: { subjectId: 's-1', reason: 'champion found' } });
      given(created, { type: 'LeadQualified', data: { subjectId: 's-1', reason: null } }).when({ type: 'QualifyLead', reason: 'budget confirmed' }).then(qualified);
    });
    it('refuses a missing (404), archived (409) or converted (409) lead', () => {
      given().when({ type: 'QualifyLead', reason: null }).thenFails('not_found');
      given(created, archived).when({ type: 'QualifyLead', reason: null }).thenFails('record_archived');
      given(created, converted).when({ type: 'QualifyLead', reason: null }).thenFails('lead_converted');
    });
  });

  describe('DisqualifyLead', () => {
    it('disqualifies with a reason', () => {
      given(created, qualified).when({ type: 'DisqualifyLead', reason: 'no budget' }).then(disqualified);
    });
    it('refuses a missing or blank reason (422 reason_required)', () => {
      given(created).when({ type: 'DisqualifyLead', reason: '  ' }).thenFails('reason_required');
      given(created).when({ type: 'DisqualifyLead', reason: '' }).thenFails('reason_required');
      given(created).when({ type: 'DisqualifyLead' }).thenFails('reason_required');
    });
    it('changes nothing when already disqualified for the same reason', () => {
      given(created, disqualified).when({ type: 'DisqualifyLead', reason: 'no budget' }).then();
    });
    it('records a different reason on a lead already disqualified', () => {
      given(created, disqualified).when({ type: 'DisqualifyLead', reason: 'went with a competitor' })
        .then({ type: 'LeadDisqualified', data: { subjectId: 's-1', reason: 'went with a competitor' } });
    });
  });

  describe('ConvertLead', () => {
    it('converts into a contact, and an account when the lead has a company', () => {
      given(created, qualified).when({ type: 'ConvertLead', ids, withOpportunity: false }).then(converted);
    });
    it('names no account without a company, and the opportunity only when asked', () => {
      const noCompany = { ...created, data: { ...created.data, fields: { firstName: 'A', lastName: 'B', email: 'a@b.org', leadStatus: 'new' } } };
      given(noCompany).when({ type: 'ConvertLead', ids, withOpportunity: true })
        .then({ type: 'LeadConverted', data: { contactId: 'c-1', accountId: null, opportunityId: 'o-1' } });
    });
    it('names no account for a blank company (a lead stored before names had to carry text)', () => {
      const blank = { ...created, data: { ...created.data, fields: { ...created.data.fields, company: '   ' } } };
      given(blank).when({ type: 'ConvertLead', ids, withOpportunity: false })
        .then({ type: 'LeadConverted', data: { contactId: 'c-1', accountId: null, opportunityId: null } });
    });
    it('converts exactly once: a second conversion is a 409 lead_already_converted', () => {
      given(created, converted).when({ type: 'ConvertLead', ids: { ...ids, contactId: 'c-2' }, withOpportunity: false }).thenFails('lead_already_converted');
    });
    it('refuses a disqualified lead (409 lead_disqualified)', () => {
      given(created, disqualified).when({ type: 'ConvertLead', ids, withOpportunity: false }).thenFails('lead_disqualified');
    });
  });

  describe('a converted lead is read-only', () => {
    for (const command of [
      { type: 'UpdateRecord' as const, changes: { lastName: 'Byron' }, config },
      { type: 'ArchiveRecord' as const, reason: null, config },
      { type: 'AssignOwner' as const, ownerId: 'u2', config },
      { type: 'TagRecord' as const, add: ['x'], remove: [], config },
      { type: 'RescoreLead' as const, config, restricted: false },
      { type: 'DisqualifyLead' as const, reason: 'late' },
    ]) {
      it(`refuses ${command.type} (409 lead_converted)`, () => given(created, converted).when(command).thenFails('lead_converted'));
    }
  });

  describe('generic commands before conversion', () => {
    it('update the fields as the catalogue does', () => {
      given(created).when({ type: 'UpdateRecord', changes: { company: 'Babbage & Co' }, config })
        .then({ type: 'LeadUpdated', data: { subjectId: 's-1', changes: { company: 'Babbage & Co' } } });
    });
  });

  describe('the read side', () => {
    it('folds own events into fields through the kind\'s effects', () => {
      const state = fold(catalogueDecider(leadKind), [created, qualified, converted]);
      expect(state.status).to.equal('active');
      expect(state.status !== 'none' && state.fields).to.include({ leadStatus: 'converted', convertedContactId: 'c-1', convertedAccountId: 'a-1' });
    });
    it('refuses read-only fields in a create or patch body (400)', () => {
      const { create, patch } = recordValidators(leadKind);
      expect(() => create({ ...fields, leadStatus: 'converted' })).to.throw().with.property('code', 'validation_failed');
      expect(() => patch({ convertedContactId: 'x' })).to.throw().with.property('code', 'validation_failed');
      expect(() => create({ ...fields, score: 90 })).to.throw().with.property('code', 'validation_failed');
      expect(() => patch({ scoreReasons: ['x'] })).to.throw().with.property('code', 'validation_failed');
    });
    it('refuses whitespace-only names and company as it refuses empty ones (400 validation_failed)', () => {
      const { create, patch } = recordValidators(leadKind);
      for (const name of ['firstName', 'lastName', 'company']) {
        for (const blank of ['', '   ', '\t\u00a0']) {
          expect(() => create({ ...fields, [name]: blank }), `${name} ${JSON.stringify(blank)}`).to.throw().with.property('code', 'validation_failed');
          expect(() => patch({ [name]: blank }), `${name} ${JSON.stringify(blank)}`).to.throw().with.property('code', 'validation_failed');
        }
      }
      expect(create({ ...fields, company: ' Engines ' })).to.include({ company: ' Engines ' });
    });
  });
});
