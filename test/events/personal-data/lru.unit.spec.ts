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

  it('forgets a deleted entry', () => {
    const cache = lruCache<string>(2);
    cache.set('a', 'x');
    expect(cache.delete('a')).to.equal(true);
    expect(cache.get('a')).to.equal(undefined);
    expect(cache.size()).to.equal(0);
  });
});
