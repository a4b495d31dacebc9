import { expect } from 'chai';
import { Writable } from 'node:stream';
import { createLogger } from '../src/logger.js';

describe('logger', () => {
  it('redacts personal fields and secrets at any of the first four levels', () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk, _e, done) => (lines.push(String(chunk)), done()) });
    const logger = createLogger('info', sink);
    logger.info({
      email: 'zoe@example.com',
      body: { contact: { firstName: 'Zoë', phone: '+33 6 12 34 56 78', jobTitle: 'Chief Cartographer', city: 'Quedlinburg' } },
      req: { headers: { authorization: 'Bearer abc.def', cookie: 'sid=1', 'set-cookie': 'sid=2' } },
      password: 'hunter2hunter2', code: 'wrong_expected_version',
    }, 'hello');
    const text = lines.join('');
    for (const secret of ['zoe@example.com', 'Zoë', '+33 6', 'Cartographer', 'Quedlinburg', 'abc.def', 'sid=1', 'sid=2', 'hunter2']) {
      expect(text).not.to.contain(secret);
    }
    expect(JSON.parse(text)).to.include({ msg: 'hello', code: 'wrong_expected_version' });
  });
});
