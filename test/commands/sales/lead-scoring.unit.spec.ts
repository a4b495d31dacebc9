import { expect } from 'chai';
import { salesConfigAggregate } from '../../../src/commands/sales/config.js';
import { leadDecider } from '../../../src/commands/sales/lead.js';
import { scoreOf } from '../../../src/commands/sales/lead-scoring.js';
import { DEFAULT_SALES_CONFIG, type SalesConfig } from '../../../src/events/sales/config.js';
import { DEFAULT_LEAD_SCORING, type ScoringRule } from '../../../src/events/sales/lead-scoring.js';
import { specFor } from '../../support/decider.js';

const { given } = specFor(leadDecider);
const config = DEFAULT_SALES_CONFIG;
const withRules = (...rules: ScoringRule[]): SalesConfig => ({ ...DEFAULT_SALES_CONFIG, leadScoring: { rules } });
const person = { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@engines.example' };
const create = (fields: Record<string, string>, c: SalesConfig = config) =>
  ({ type: 'CreateRecord' as const, fields: { ...person, ...fields }, ownerId: 'u1', tags: [], subjectId: 's-1', config: c });
const createdWith = (fields: Record<string, string>, score: number, scoreReasons: string[]) =>
  ({ type: 'LeadCreated', data: { subjectId: 's-1', fields: { ...person, ...fields, leadStatus: 'new', score, scoreReasons }, ownerId: 'u1', tags: [] } });
const open = createdWith({ company: 'Engines' }, 20, ['company_given']);
const converted = { type: 'LeadConverted', data: { contactId: 'c-1', accountId: 'a-1', opportunityId: null } };

describe('Lead scoring', () => {
  describe('the default rules', () => {
    it('sum the points of the rules that match, in rule order', () => {
      const fields = { company: 'Engines', jobTitle: 'Head of Research', source: 'web_form', phone: '+44 20 7946 0000' };
      given().when(create(fields)).then(createdWith(fields, 55, ['company_given', 'senior_title', 'web_form', 'phone_given']));
    });
    it('take points away for a free-mail domain, clamping the sum at 0', () => {
      given().when(create({ email: 'ada@GMail.com' })).then(createdWith({ email: 'ada@GMail.com' }, 0, ['free_mail']));
    });
  });

  describe('scoreOf', () => {
    it('clamps the sum at 100 and reads eq, in, contains, present and absent', () => {
      const rules: ScoringRule[] = [
        { id: 'a', field: 'utmSource', op: 'eq', value: 'Google', points: 60 },
        { id: 'b', field: 'utmMedium', op: 'in', value: ['cpc', 'ppc'], points: 30 },
        { id: 'c', field: 'utmCampaign', op: 'contains', value: 'spring', points: 30 },
        { id: 'd', field: 'phone', op: 'absent', points: 5 },
        { id: 'e', field: 'company', op: 'present', points: 5 },
      ];
      const fields = { ...person, utmSource: ' google ', utmMedium: 'cpc', utmCampaign: 'big-spring-sale' };
      expect(scoreOf(fields, { rules })).to.deep.equal({ score: 100, reasons: ['a', 'b', 'c', 'd'] });
    });
    it('reads the email domain after the last @, and an empty text as absent', () => {
      const rules: ScoringRule[] = [{ id: 'corp', field: 'emailDomain', op: 'eq', value: 'corp.example', points: 40 }, { id: 'none', field: 'company', op: 'absent', points: 1 }];
      expect(scoreOf({ email: 'a@b@Corp.Example', company: ' ' }, { rules })).to.deep.equal({ score: 41, reasons: ['corp', 'none'] });
    });
  });

  describe('UpdateRecord', () => {
    it('rescores when a field the rules read changes', () => {
      given(open).when({ type: 'UpdateRecord', changes: { phone: '+1 555 0100' }, config })
        .then({ type: 'LeadUpdated', data: { subjectId: 's-1', changes: { phone: '+1 555 0100', score: 30, scoreReasons: ['company_given', 'phone_given'] } } });
    });
    it('rescores when such a field is cleared', () => {
      given(open).when({ type: 'UpdateRecord', changes: { company: null }, config })
        .then({ type: 'LeadUpdated', data: { subjectId: 's-1', changes: { company: null, score: 0, scoreReasons: [] } } });
    });
    it('rectifies without scoring again while the person\'s processing is restricted', () => {
      given(open).when({ type: 'UpdateRecord', changes: { phone: '+1 555 0100' }, config, restricted: true })
        .then({ type: 'LeadUpdated', data: { subjectId: 's-1', changes: { phone: '+1 555 0100' } } });
    });
    it('leaves the score alone when no field the rules read changes', () => {
      given(open).when({ type: 'UpdateRecord', changes: { lastName: 'Byron', company: 'Engines' }, config: withRules() })
        .then({ type: 'LeadUpdated', data: { subjectId: 's-1', changes: { lastName: 'Byron' } } });
    });
  });

  describe('RescoreLead', () => {
    it('appends LeadScored under the rules in effect', () => {
      const rules = withRules({ id: 'engines', field: 'emailDomain', op: 'eq', value: 'engines.example', points: 35 });
      given(open).when({ type: 'RescoreLead', config: rules, restricted: false }).then({ type: 'LeadScored', data: { score: 35, reasons: ['engines'] } });
    });
    it('appends nothing when neither the score nor the reasons change', () => {
      given(open).when({ type: 'RescoreLead', config, restricted: false }).then();
    });
    it('scores a lead created with a client-given score (older events) and no reasons', () => {
      const old = { type: 'LeadCreated', data: { subjectId: 's-1', fields: { ...person, company: 'Engines', leadStatus: 'new', score: 20 }, ownerId: 'u1', tags: [] } };
      given(old).when({ type: 'RescoreLead', config, restricted: false }).then({ type: 'LeadScored', data: { score: 20, reasons: ['company_given'] } });
    });
    it('refuses a converted (409 lead_converted), archived (409) or missing (404) lead', () => {
      given(open, converted).when({ type: 'RescoreLead', config, restricted: false }).thenFails('lead_converted');
      given(open, { type: 'LeadArchived', data: { reason: null } }).when({ type: 'RescoreLead', config, restricted: false }).thenFails('record_archived');
      given().when({ type: 'RescoreLead', config, restricted: false }).thenFails('not_found');
    });
    it('refuses a lead whose person\'s processing is restricted (409 processing_restricted): no profiling', () => {
      given(open).when({ type: 'RescoreLead', config, restricted: true }).thenFails('processing_restricted');
    });
  });

  describe('the configuration\'s rules', () => {
    const { given: configGiven } = specFor(salesConfigAggregate.decider);
    const change = (rule: object) => ({ type: 'ChangeSalesConfig' as const, changes: { leadScoring: { rules: [rule as ScoringRule] } } });
    it('are accepted when they name known fields and ops with the values those take', () => {
      const rule = { id: 'vp', field: 'jobTitle', op: 'contains', value: ['vp'], points: 10 };
      configGiven().when(change(rule)).then({ type: 'SalesConfigured', data: { config: { ...DEFAULT_SALES_CONFIG, leadScoring: { rules: [rule] } } } });
    });
    it('refuse an unknown field or op, a value the op does not take and a rule id given twice (422 invalid_lead_scoring)', () => {
      for (const rule of [
        { id: 'x', field: 'salary', op: 'present', points: 1 },
        { id: 'x', field: 'company', op: 'matches', value: 'a', points: 1 },
        { id: 'x', field: 'company', op: 'present', value: 'a', points: 1 },
        { id: 'x', field: 'company', op: 'eq', value: ['a'], points: 1 },
        { id: 'x', field: 'company', op: 'in', points: 1 },
      ]) configGiven().when(change(rule)).thenFails('invalid_lead_scoring');
      const twice = { type: 'ChangeSalesConfig' as const, changes: { leadScoring: { rules: [DEFAULT_LEAD_SCORING.rules[0]!, DEFAULT_LEAD_SCORING.rules[0]!] } } };
      configGiven().when(twice).thenFails('invalid_lead_scoring');
    });
    it('refuse an in rule given one text, not a list (422 invalid_lead_scoring)', () => {
      configGiven().when(change({ id: 'x', field: 'emailDomain', op: 'in', value: 'gmail.com', points: 1 })).thenFails('invalid_lead_scoring');
      configGiven().when(change({ id: 'x', field: 'emailDomain', op: 'in', value: ['gmail.com'], points: 1 })).then({
        type: 'SalesConfigured',
        data: { config: { ...DEFAULT_SALES_CONFIG, leadScoring: { rules: [{ id: 'x', field: 'emailDomain', op: 'in', value: ['gmail.com'], points: 1 }] } } },
      });
    });
  });
});
