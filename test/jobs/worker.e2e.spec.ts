import { expect } from 'chai';
import { exitOf, spawnTs, waitForLine } from '../support/process.js';
import { REDIS_URL } from './redis.js';

describe('npm run worker (src/worker.ts)', function () {
  this.timeout(30_000);

  it('with REDIS_URL: starts, logs the kinds it consumes, and on SIGTERM closes the queue and exits 0', async () => {
    const child = spawnTs('src/worker.ts', [], { REDIS_URL });
    const started = JSON.parse(await waitForLine(child, (l) => l.includes('"worker started"')));
    expect(started).to.deep.include({ kinds: ['projections.rebuild'], queue: 'bullmq' });
    const stopped = waitForLine(child, (l) => l.includes('"stopped"'));
    child.kill('SIGTERM');
    await stopped;
    expect(await exitOf(child)).to.deep.equal({ code: 0, signal: null });
  });

  it('without REDIS_URL: refuses to start with exit 78 and says why', async () => {
    const child = spawnTs('src/worker.ts', [], {});
    let stderr = '';
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    const exit = await exitOf(child);
    expect(exit.code).to.equal(78);
    expect(stderr).to.contain('REDIS_URL is not set');
    expect(stderr).to.contain('jobs run inside the API process');
  });

  it('on a bad configuration: exits 78 naming the bad variable', async () => {
    const child = spawnTs('src/worker.ts', [], { REDIS_URL: 'http://not-redis', LOG_LEVEL: 'loud' });
    let stderr = '';
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    expect((await exitOf(child)).code).to.equal(78);
    expect(stderr).to.contain('Invalid configuration').and.to.contain('REDIS_URL: must be a URL using redis: or rediss:');
  });
});
