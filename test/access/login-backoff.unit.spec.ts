import { expect } from 'chai';
import { loginBackoff, sourceOf } from '../../src/access/login-backoff.js';
import { COUNT_LIFETIME_MS, memoryBackoffStore } from '../../src/access/login-backoff-store.js';

const MINUTE = 60_000;

/** A backoff over a memory store whose clock the test moves. */
const clocked = () => {
  const clock = { now: 0 };
  return { clock, backoff: loginBackoff(memoryBackoffStore(() => clock.now)) };
};

/** A failed attempt of `ip` on `account` (begun, so it must not be held). */
const fail = async (backoff: ReturnType<typeof loginBackoff>, account: string, ip: string): Promise<void> => {
  expect(await backoff.begin(account, ip), `${ip} held`).to.equal(0);
  await backoff.failed(account, ip);
};

describe('loginBackoff', () => {
  it('doubles the wait of a source on an account after each consecutive failure, capped at 15 minutes', async () => {
    const { backoff } = clocked();
    const waits: number[] = [];
    for (let n = 1; n <= 12; n++) {
      await backoff.failed('acct', '10.0.0.1');
      waits.push(await backoff.begin('acct', '10.0.0.1'));
    }
    expect(waits).to.deep.equal([1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900].map((s) => s * 1000));
  });

  it('lets the same account be tried at once from another source, and another account from the same one', async () => {
    const { backoff } = clocked();
    for (let n = 0; n < 10; n++) await backoff.failed('acct', '10.0.0.1');
    expect(await backoff.begin('acct', '10.0.0.2')).to.equal(0);
    expect(await backoff.begin('other', '10.0.0.1')).to.equal(0);
  });

  it('holds a source while its attempt is checked, so a parallel attempt waits; the outcome releases it', async () => {
    const { backoff } = clocked();
    expect(await backoff.begin('acct', '10.0.0.1')).to.equal(0);
    expect(await backoff.begin('acct', '10.0.0.1')).to.equal(5000);
    await backoff.succeeded('acct', '10.0.0.1');
    expect(await backoff.begin('acct', '10.0.0.1')).to.equal(0);
  });

  it('past 20 failures across sources, makes each failing source wait longer, at most an hour, but never one that has not failed', async () => {
    const { clock, backoff } = clocked();
    for (let i = 1; i <= 20; i++) await fail(backoff, 'acct', `10.0.1.${i}`);
    clock.now += 1000;
    expect(await backoff.begin('acct', '10.0.1.1'), 'at the threshold, the source wait').to.equal(0);
    await backoff.failed('acct', '10.0.1.1');
    expect(await backoff.begin('acct', '10.0.1.1'), 'its second failure, the 21st').to.equal(2000);
    const waits: number[] = [];
    for (let i = 2; i <= 15; i++) {
      await fail(backoff, 'acct', `10.0.2.${i}`);
      waits.push(await backoff.begin('acct', `10.0.2.${i}`));
    }
    expect(waits).to.deep.equal([2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 3600, 3600, 3600].map((s) => s * 1000));
    expect(await backoff.begin('acct', '10.0.3.1'), 'a source that never failed').to.equal(0);
  });

  it('never locks for good: every wait runs out, and a success resets the source and the account', async () => {
    const { clock, backoff } = clocked();
    for (let i = 1; i <= 40; i++) await fail(backoff, 'acct', `10.0.1.${i}`);
    clock.now += 60 * MINUTE;
    expect(await backoff.begin('acct', '10.0.1.40')).to.equal(0);
    await backoff.succeeded('acct', '10.0.1.40');
    await fail(backoff, 'acct', '10.0.1.1');
    expect(await backoff.begin('acct', '10.0.1.1'), 'the account count restarted; the source count did not').to.equal(2000);
    await fail(backoff, 'acct', '10.0.1.40');
    expect(await backoff.begin('acct', '10.0.1.40')).to.equal(1000);
  });

  it('forgets failures a day after the last one', async () => {
    const { clock, backoff } = clocked();
    for (let n = 0; n < 5; n++) await backoff.failed('acct', '10.0.0.1');
    clock.now += COUNT_LIFETIME_MS;
    await fail(backoff, 'acct', '10.0.0.1');
    expect(await backoff.begin('acct', '10.0.0.1')).to.equal(1000);
  });
});

describe('sourceOf', () => {
  it('is an IPv4 address, mapped or not, and an IPv6 address by its /64', () => {
    expect(['10.1.2.3', '::ffff:10.1.2.3', '::FFFF:10.1.2.3'].map(sourceOf)).to.deep.equal(['10.1.2.3', '10.1.2.3', '10.1.2.3']);
    expect(['2001:db8:a:b:1:2:3:4', '2001:0db8:000a:000b::1', '2001:db8:a:b::', '::1', '2001:db8::'].map(sourceOf))
      .to.deep.equal(['2001:db8:a:b::/64', '2001:db8:a:b::/64', '2001:db8:a:b::/64', '0:0:0:0::/64', '2001:db8:0:0::/64']);
    expect(sourceOf('2001:db8:a:c::1')).not.to.equal(sourceOf('2001:db8:a:b::1'));
  });
});

describe('memoryBackoffStore', () => {
  it('keeps at most its bound of entries, dropping the least recently written', async () => {
    const store = memoryBackoffStore(() => 0, 3);
    await store.count(['a', 'b', 'c']);
    await store.count(['a']);
    await store.count(['d']);
    expect(await store.count(['a', 'b', 'c', 'd'])).to.deep.equal([3, 1, 1, 1]);
  });
});
