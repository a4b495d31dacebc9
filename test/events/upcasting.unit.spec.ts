import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { InvalidInputError } from '../../src/errors.js';
import { upcasters, type Versioned } from '../../src/events/upcasting.js';

const fixture = JSON.parse(readFileSync(new URL('./fixtures/tally-v1.json', import.meta.url), 'utf8')) as Versioned[];

const registry = upcasters([
  { type: 'TallyClosed', from: 2, up: (d) => ({ ...d, reason: String(d.reason).toUpperCase() }) },
  { type: 'TallyClosed', from: 1, up: ({ why, ...rest }) => ({ ...rest, reason: why ?? null }) },
]);

describe('upcasting', () => {
  it('lifts a stored v1 event through every step to the current version', () => {
    const closed = registry.upcast(fixture[2]!);
    expect(closed).to.deep.equal({
      type: 'TallyClosed', schemaVersion: 3, data: { reason: 'WRITTEN BEFORE REASONS WERE NAMED REASON' },
    });
  });

  it('leaves events at the current version, and types without upcasters, as they are', () => {
    expect(registry.upcast(fixture[0]!)).to.equal(fixture[0]);
    const current = { type: 'TallyClosed', schemaVersion: 3, data: { reason: 'X' } };
    expect(registry.upcast(current)).to.equal(current);
  });

  it('names the version new events are written at', () => {
    expect(registry.currentVersion('TallyClosed')).to.equal(3);
    expect(registry.currentVersion('TallyOpened')).to.equal(1);
  });

  it('refuses a registry with a gap or a duplicate', () => {
    expect(() => upcasters([{ type: 'X', from: 2, up: (d) => d }])).to.throw(InvalidInputError, 'starts at 2, expected 1');
    const twice = { type: 'X', from: 1, up: (d: Versioned['data']) => d };
    expect(() => upcasters([twice, twice])).to.throw(InvalidInputError);
  });
});
