import { expect } from 'chai';
import { hashPassword, verifyPassword } from '../../src/access/passwords.js';

describe('password hashing (scrypt)', () => {
  it('stores OWASP parameters and a salt, and verifies only the right password', async () => {
    const stored = await hashPassword('correct horse');
    expect(stored).to.match(/^scrypt\$131072\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
    expect(await hashPassword('correct horse')).to.not.equal(stored);
    expect(await verifyPassword('correct horse', stored)).to.equal(true);
    expect(await verifyPassword('correct horsf', stored)).to.equal(false);
    expect(await verifyPassword('correct horse', 'bcrypt$whatever')).to.equal(false);
  });
});
