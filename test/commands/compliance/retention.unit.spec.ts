import { expect } from 'chai';
import { before as cutoffBefore } from '../../../src/commands/compliance/duration.js';
import { retentionDecider } from '../../../src/commands/compliance/retention.js';
import { specFor } from '../../support/decider.js';

const { given } = specFor(retentionDecider);
const at = '2026-11-23T10:00:00.000Z';
const policy = { policyId: 'old', recordType: 'sales.contact', filter: 'status[eq]:"archived"', olderThan: 'P24M' };
const target = { personal: ['firstName', 'lastName', 'email', 'phone'], filterFields: ['status'] };
const set = { type: 'RetentionPolicySet' as const, data: { ...policy, setAt: at } };
const sweep = { sweepId: 'sw-1', ranAt: at, policies: [] };

describe('the retention decider', () => {
  it('sets a policy, records nothing when it is set again unchanged, removes it', () => {
    given().when({ type: 'SetRetentionPolicy', policy, target, at }).then(set);
    given(set).when({ type: 'SetRetentionPolicy', policy, target, at }).then();
    given(set).when({ type: 'RemoveRetentionPolicy', policyId: 'old', at }).then({ type: 'RetentionPolicyRemoved', data: { policyId: 'old', removedAt: at } });
  });

  it('refuses a malformed duration (400 invalid_duration) and removing an absent policy (404)', () => {
    given().when({ type: 'SetRetentionPolicy', policy: { ...policy, olderThan: 'P' }, target, at }).thenFails('invalid_duration');
    given().when({ type: 'RemoveRetentionPolicy', policyId: 'old', at }).thenFails('not_found');
  });

  it('refuses a record type holding no personal data (422 no_personal_data) and a filter naming a personal field (422 personal_field_in_filter)', () => {
    const deals = { ...policy, recordType: 'sales.opportunity', filter: '' };
    given().when({ type: 'SetRetentionPolicy', policy: deals, target: { personal: [], filterFields: [] }, at }).thenFails('no_personal_data');
    const byName = { ...target, filterFields: ['status', 'lastName'] };
    given().when({ type: 'SetRetentionPolicy', policy: { ...policy, filter: 'and(status[eq]:"archived",lastName[eq]:"X")' }, target: byName, at }).thenFails('personal_field_in_filter');
  });

  it('records each sweep once', () => {
    given().when({ type: 'RecordRetentionSweep', sweep }).then({ type: 'RetentionSweepCompleted', data: sweep });
    given({ type: 'RetentionSweepCompleted', data: sweep }).when({ type: 'RecordRetentionSweep', sweep }).then();
  });
});

describe('before(now, duration)', () => {
  it('subtracts calendar years, months, weeks and days in UTC', () => {
    const now = new Date('2026-11-23T10:00:00.000Z');
    expect(cutoffBefore(now, 'P24M').toISOString()).to.equal('2024-11-23T10:00:00.000Z');
    expect(cutoffBefore(now, 'P1Y6M').toISOString()).to.equal('2025-05-23T10:00:00.000Z');
    expect(cutoffBefore(now, 'P2W3D').toISOString()).to.equal('2026-11-06T10:00:00.000Z');
  });
});
