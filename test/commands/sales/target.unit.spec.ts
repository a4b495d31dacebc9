import { expect } from 'chai';
import { patchWithDefaultCurrency, spelledOutPatch, targetDecider, withDefaultCurrency } from '../../../src/commands/sales/target.js';
import { DEFAULT_SALES_CONFIG } from '../../../src/events/sales/config.js';
import { targetKeyOf, targetKind } from '../../../src/events/sales/target.js';
import { uniqueKeysOf } from '../../../src/projections/uniqueness.js';
import type { JsonObject } from '../../../src/events/log/port.js';
import type { LinkedUser } from '../../../src/commands/record-links.js';
import { specFor } from '../../support/decider.js';

const config = DEFAULT_SALES_CONFIG;
const { given } = specFor(targetDecider);
const user = { type: 'user', id: 'u1' };
const team = { type: 'team', id: 'emea', members: ['u1', 'u2'] };

const create = (fields: JsonObject = {}) => ({
  type: 'CreateRecord' as const, ownerId: 'admin', tags: [], config,
  fields: { assignee: user, period: '2026-Q4', metric: 'won_revenue', quota: 5_000_000, ...fields },
});
const created = {
  type: 'TargetCreated',
  data: {
    fields: { assignee: user, period: '2026-Q4', metric: 'won_revenue', quota: 5_000_000, periodStart: '2026-10-01', periodEnd: '2027-01-01', currency: 'EUR' },
    ownerId: 'admin', tags: [],
  },
};
const update = (changes: JsonObject) => ({ type: 'UpdateRecord' as const, changes, config });

describe('Target decider', () => {
  describe('CreateRecord', () => {
    it("keeps the period's UTC range and defaults a revenue target's currency to the tenant's", () => {
      given().when(create()).then(created);
    });
    it('accepts a team with its members, counting metrics without a currency, months and years', () => {
      const fields = { assignee: team, period: '2026-11', metric: 'won_deals', quota: 12, periodStart: '2026-11-01', periodEnd: '2026-12-01' };
      given().when(create({ assignee: team, period: '2026-11', metric: 'won_deals', quota: 12 })).then({
        type: 'TargetCreated', data: { fields, ownerId: 'admin', tags: [] },
      });
      const year = targetDecider.decide(create({ period: '2026', metric: 'activities_completed', quota: 300 }), targetDecider.initialState());
      expect(year[0]!.data.fields).to.include({ periodStart: '2026-01-01', periodEnd: '2027-01-01' }).and.not.have.property('currency');
    });
    it('refuses a period outside the grammar (422 invalid_period)', () => {
      for (const period of ['2026-Q5', '2026-13', '2026-00', '26-Q1', '2026-W12', '2026-q4', '1969', '2026-1']) {
        given().when(create({ period })).thenFails('invalid_period');
      }
    });
    it('refuses a currency the tenant has not configured (422 invalid_currency)', () => {
      given().when(create({ currency: 'JPY' })).thenFails('invalid_currency');
    });
    it('refuses a currency on a count target (422 currency_not_applicable)', () => {
      given().when(create({ metric: 'won_deals', currency: 'EUR' })).thenFails('currency_not_applicable');
    });
    it('refuses a team without members and a user with members (422)', () => {
      given().when(create({ assignee: { type: 'team', id: 'emea' } })).thenFails('team_members_required');
      given().when(create({ assignee: { ...user, members: ['u2'] } })).thenFails('members_not_applicable');
    });
  });

  describe('UpdateRecord', () => {
    it("moves the period's range with the period", () => {
      given(created).when(update({ period: '2027-01' })).then({
        type: 'TargetUpdated', data: { changes: { period: '2027-01', periodStart: '2027-01-01', periodEnd: '2027-02-01' } },
      });
    });
    it('clears the currency when the metric becomes a count, and checks the whole target', () => {
      given(created).when(update({ metric: 'won_deals', currency: null })).then({
        type: 'TargetUpdated', data: { changes: { metric: 'won_deals', currency: null } },
      });
      given(created).when(update({ metric: 'won_deals' })).thenFails('currency_not_applicable');
      given(created).when(update({ period: 'Q4' })).thenFails('invalid_period');
      given(created).when(update({ currency: 'CHF' })).thenFails('invalid_currency');
    });
    it('merges a partial assignee into the assignee (RFC 7386) and checks the merged one', () => {
      given(created).when(update({ assignee: { id: 'u2' } })).then({ type: 'TargetUpdated', data: { changes: { assignee: { type: 'user', id: 'u2' } } } });
      const teamed = { type: 'TargetUpdated', data: { changes: { assignee: team } } };
      given(created, teamed).when(update({ assignee: { type: 'user', members: null } }))
        .then({ type: 'TargetUpdated', data: { changes: { assignee: { type: 'user', id: 'emea' } } } });
      given(created, teamed).when(update({ assignee: { type: 'user' } })).thenFails('members_not_applicable');
      given(created).when(update({ assignee: { type: 'team' } })).thenFails('team_members_required');
    });
    it('changes nothing when nothing changes', () => {
      given(created).when(update({ quota: 5_000_000 })).then();
    });
    it('refuses to change an archived target (409 record_archived)', () => {
      given(created, { type: 'TargetArchived', data: { reason: null } }).when(update({ quota: 1 })).thenFails('record_archived');
    });
  });

  describe('assignee findings (what the log holds of the users the caller named)', () => {
    const findings = (entries: Record<string, LinkedUser>) => new Map(Object.entries(entries));
    const active: LinkedUser = { found: true, status: 'active' };
    const left: LinkedUser = { found: true, status: 'deactivated' };
    it('refuses a person no user of the tenant before one inactive, each at its place (422)', () => {
      const squad = { type: 'team', id: 'emea', members: ['u1', 'u2', 'u3'] };
      const some = findings({ u1: left, u2: active, u3: { found: false } });
      given().when({ ...create({ assignee: squad }), assigneeFindings: some }).thenFails('assignee_not_found');
      given().when({ ...create({ assignee: squad }), assigneeFindings: findings({ u1: left, u2: active, u3: active }) }).thenFails('assignee_not_active');
      given().when({ ...create(), assigneeFindings: findings({ u1: { found: true, status: 'erased' } }) }).thenFails('assignee_not_active');
    });
    it('does not refuse a person without a finding (not named by the caller) nor one the target counted before', () => {
      given().when({ ...create(), assigneeFindings: findings({}) }).then(created);
      const kept = { type: 'team', id: 'emea', members: ['u1', 'u2'] };
      given(created).when({ ...update({ assignee: kept }), assigneeFindings: findings({ u1: left, u2: active }) })
        .then({ type: 'TargetUpdated', data: { changes: { assignee: kept } } });
      given(created).when({ ...update({ assignee: { ...kept, members: ['u2', 'u3'] } }), assigneeFindings: findings({ u2: active, u3: left }) })
        .thenFails('assignee_not_active');
    });
  });
});

describe('Target unique key', () => {
  const stored = created.data.fields as JsonObject;
  const key = (fields: JsonObject = {}) => targetKeyOf({ ...stored, ...fields });
  /** The stored fields of a count target (no currency). */
  const count = (metric: string): JsonObject => {
    const { currency: _none, ...fields } = stored;
    return { ...fields, metric };
  };

  it('is declared on the kind: 409 duplicate_target, compared among targets of the same assignee type, period and metric', () => {
    expect(uniqueKeysOf(targetKind).map(({ name, columns, of }) => ({ name, columns, of }))).to.deep.equal([
      { name: 'target', columns: ['assignee.type', 'period', 'metric'], of: targetKeyOf },
    ]);
  });
  it('is the same for the same assignee, period, metric and currency, whatever the name, quota or derived fields', () => {
    expect(key({ name: 'Q4', quota: 1 })).to.equal(key());
    expect(targetKeyOf({ assignee: user, period: '2026-Q4', metric: 'won_revenue', currency: 'EUR' })).to.equal(key());
  });
  it("is a team's member set: the same whatever their order or the team's id", () => {
    expect(key({ assignee: { type: 'team', id: 'emea', members: ['u2', 'u1'] } })).to.equal(key({ assignee: team }));
    expect(key({ assignee: { type: 'team', id: 'europe', members: ['u1', 'u2'] } })).to.equal(key({ assignee: team }));
    expect(key({ assignee: { type: 'team', id: 'emea', members: ['u1'] } })).to.not.equal(key({ assignee: team }));
    expect(key({ assignee: { type: 'team', id: 'u1', members: ['u1'] } })).to.not.equal(key());
  });
  it('differs with the user, the period, the metric or the currency', () => {
    const others = [
      key({ assignee: { type: 'user', id: 'u2' } }), key({ period: '2026-Q3' }), key({ period: '2026-10' }), key({ period: '2026' }),
      targetKeyOf(count('won_deals')), targetKeyOf(count('activities_completed')), key({ currency: 'USD' }),
    ];
    expect(new Set([key(), ...others]).size).to.equal(others.length + 1);
  });
  it('is none for fields no target has', () => {
    expect(targetKeyOf({ period: '2026-Q4', metric: 'won_deals' })).to.equal(undefined);
    expect(key({ assignee: { type: 'team', id: 'emea' } })).to.equal(undefined);
  });
  it("spells out the tenant's default currency where the decider would default it, so the key is the stored target's", () => {
    const fields = { assignee: user, period: '2026-Q4', metric: 'won_revenue', quota: 1 };
    expect(withDefaultCurrency(fields, config)).to.deep.equal({ ...fields, currency: 'EUR' });
    expect(withDefaultCurrency({ ...fields, currency: 'USD' }, config)).to.deep.equal({ ...fields, currency: 'USD' });
    expect(withDefaultCurrency({ ...fields, metric: 'won_deals' }, config)).to.deep.equal({ ...fields, metric: 'won_deals' });
    expect(patchWithDefaultCurrency(count('won_deals'), { metric: 'won_revenue' }, config)).to.deep.equal({ metric: 'won_revenue', currency: 'EUR' });
    expect(patchWithDefaultCurrency({ ...stored, currency: 'USD' }, { currency: null }, config)).to.deep.equal({ currency: 'EUR' });
    expect(patchWithDefaultCurrency(stored, { metric: 'won_deals', currency: null }, config)).to.deep.equal({ metric: 'won_deals', currency: null });
    expect(patchWithDefaultCurrency(stored, { quota: 3 }, config)).to.deep.equal({ quota: 3 });
    // What the decider stores from the spelled-out patch is what it stores from the patch as sent.
    const usd = { type: 'TargetUpdated', data: { changes: { currency: 'USD' } } };
    for (const changes of [{ currency: null }, { metric: 'won_deals', currency: null }] as JsonObject[]) {
      const state = [created, usd].reduce(targetDecider.evolve, targetDecider.initialState());
      const spelled = patchWithDefaultCurrency({ ...stored, currency: 'USD' }, changes, config);
      expect(targetDecider.decide(update(spelled), state)).to.deep.equal(targetDecider.decide(update(changes), state));
    }
  });
  it('spells out every member of a patched assignee, so the key is read from the patch whole; the decider stores the same', () => {
    const teamed = { ...stored, assignee: team };
    const toUser = { assignee: { type: 'user', members: null } };
    const spelled = spelledOutPatch(teamed, toUser, config);
    expect(spelled).to.deep.equal({ assignee: { type: 'user', id: 'emea', members: null } });
    expect(targetKeyOf({ ...teamed, ...spelled })).to.equal(key({ assignee: { type: 'user', id: 'emea' } }));
    expect(spelledOutPatch(stored, { assignee: { id: 'u2' } }, config)).to.deep.equal({ assignee: { type: 'user', id: 'u2' } });
    const state = [created, { type: 'TargetUpdated', data: { changes: { assignee: team } } }].reduce(targetDecider.evolve, targetDecider.initialState());
    expect(targetDecider.decide(update(spelled), state)).to.deep.equal(targetDecider.decide(update(toUser), state));
  });
});
