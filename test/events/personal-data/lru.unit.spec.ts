import { expect } from 'chai';
import { lruCache } from '../../../src/events/personal-data/lru.js';

describe('personal data: LRU cache', () => {
  it('never holds more than its bound and drops the least recently used entry', () => {
    const cache = lruCache<number>(3);
    for (let i = 0; i < 100; i++) {
      cache.set(`k${i}`, i);
      expect(cache.size()).to.be.at.most(3);
    }
    expect(cache.get('k97')).to.equal(97);
    cache.set('k100', 100); // k98 is now the least recently used
    expect(cache.get('k98')).to.equal(undefined);
    expect([cache.get('k97'), cache.get('k99'), cache.get('k100')]).to.deep.equal([97, 99, 100]);
  });

  it('keeps an entry read after older insertions ahead of the entries never read', () => {
    const cache = lruCache<number>(10);
    for (let i = 0; i < 10; i++) cache.set(`k${i}`, i);
    expect(cache.get('k0')).to.equal(0);
    for (let i = 10; i < 19; i++) cache.set(`k${i}`, i);
    expect(cache.get('k0')).to.equal(0); // k1 … k9 went first
    expect(['k1', 'k5', 'k9'].map((k) => cache.get(k))).to.deep.equal([undefined, undefined, undefined]);
    expect(cache.size()).to.equal(10);
  });

  it('never drops an entry read at every insertion, however many others come and go', () => {
    const cache = lruCache<number>(100);
    cache.set('hot', -1);
    for (let i = 0; i < 1_000; i++) {
      cache.set(`k${i}`, i);
      expect(cache.get('hot'), `after k${i}`).to.equal(-1);
    }
    expect(cache.get('k899')).to.equal(undefined);
    expect(cache.size()).to.equal(100);
  });

  it('forgets a deleted entry', () => {
    const cache = lruCache<string>(2);
    cache.set('a', 'x');
    expect(cache.delete('a')).to.equal(true);
    expect(cache.get('a')).to.equal(undefined);
    expect(cache.size()).to.equal(0);
  });
});
