import { expect } from 'chai';
import { mergePatch, patchSchemaOf, spelledOut } from '../../src/commands/merge-patch.js';
import type { JsonValue } from '../../src/events/log/port.js';

// RFC 7386 Appendix A: [original, patch, result].
const EXAMPLES: Array<[JsonValue, JsonValue, JsonValue]> = [
  [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
  [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
  [{ a: 'b' }, { a: null }, {}],
  [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
  [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
  [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
  [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
  [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
  [['a', 'b'], ['c', 'd'], ['c', 'd']],
  [{ a: 'b' }, ['c'], ['c']],
  [{ a: 'foo' }, null, null],
  [{ a: 'foo' }, 'bar', 'bar'],
  [{ e: null }, { a: 1 }, { e: null, a: 1 }],
  [[1, 2], { a: 'b', c: null }, { a: 'b' }],
  [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
];

describe('JSON Merge Patch (RFC 7386)', () => {
  describe('mergePatch', () => {
    it('gives the results of the RFC\'s examples', () => {
      for (const [original, patch, result] of EXAMPLES) {
        expect(mergePatch(original, patch), JSON.stringify([original, patch])).to.deep.equal(result);
      }
    });
    it('merges into an absent value as into an empty object, and leaves the target as it was', () => {
      expect(mergePatch(undefined, { city: 'Lyon', street: null })).to.deep.equal({ city: 'Lyon' });
      const target = { address: { city: 'Paris', country: 'FR' } };
      mergePatch(target, { address: { city: 'Lyon' } });
      expect(target).to.deep.equal({ address: { city: 'Paris', country: 'FR' } });
    });
  });

  describe('spelledOut', () => {
    it('names every member of the result, those removed as null, and merges to what the patch gives', () => {
      const target = { type: 'team', id: 't1', members: ['u1'], extra: { a: 1, b: 2 } };
      const patch = { type: 'user', members: null, extra: { a: null } };
      const spelled = spelledOut(target, patch);
      expect(spelled).to.deep.equal({ type: 'user', id: 't1', members: null, extra: { b: 2, a: null } });
      expect(mergePatch(target, spelled)).to.deep.equal(mergePatch(target, patch));
    });
  });

  describe('patchSchemaOf', () => {
    const money = {
      type: 'object', additionalProperties: false, required: ['amount', 'currency'], description: 'Money',
      properties: { amount: { type: 'integer' }, currency: { type: 'string' }, note: { type: 'object', required: ['text'], properties: { text: { type: 'string' } } } },
      anyOf: [{ required: ['amount'] }],
    };
    it('makes every member optional, the optional ones nullable, at every depth; rules across members are left to the merged value', () => {
      expect(patchSchemaOf(money)).to.deep.equal({
        type: 'object', additionalProperties: false, description: 'Money',
        properties: {
          amount: { type: 'integer' }, currency: { type: 'string' },
          note: { anyOf: [{ type: 'object', properties: { text: { type: 'string' } } }, { type: 'null' }] },
        },
      });
    });
    it('leaves a schema that is not an object\'s as it is (arrays and scalars replace)', () => {
      const lines = { type: 'array', items: money };
      expect(patchSchemaOf(lines)).to.equal(lines);
      expect(patchSchemaOf({ type: 'string' })).to.deep.equal({ type: 'string' });
    });
  });
});
