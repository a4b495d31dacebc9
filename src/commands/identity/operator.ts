/**
 * `npm run crm -- admin create --email E --password-stdin [--name N]`: creates the platform super
 * admin by hand (the server does it on first start from CRM_ADMIN_EMAIL/CRM_ADMIN_PASSWORD). The
 * password comes on stdin so it never shows in the process list or the shell history.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openDirectory } from '../../access/directory.js';
import { openIdentityDb } from '../../access/identity-db.js';
import type { Config } from '../../config.js';
import { InvalidInputError } from '../../errors.js';
import { openEventStore } from '../../events/log/open.js';
import { openKeyStore } from '../../events/personal-data/key-store.js';
import { resolveMasterKey, type WarnLogger } from '../../events/personal-data/master-key.js';
import { ensurePlatformAdmin } from './accounts.js';

const EMAIL = /^[^@\s]+@[^@\s]+$/;

const adminRequest = (args: string[], password: string) => {
  const { values } = parseArgs({ args, options: { email: { type: 'string' }, name: { type: 'string' }, 'password-stdin': { type: 'boolean' } } });
  const bad = [
    !EMAIL.test(values.email ?? '') && '--email <address>',
    !values['password-stdin'] && '--password-stdin',
    password.length < 12 && 'a password of at least 12 characters on stdin',
  ].filter((x): x is string => typeof x === 'string');
  if (bad.length > 0) throw new InvalidInputError('invalid_arguments', `admin create needs ${bad.join(', ')}`);
  return { email: values.email!, password, ...(values.name ? { name: values.name } : {}) };
};

/** Reads stdin to its end; the first line is the password. */
export const readPasswordLine = async (input: NodeJS.ReadableStream): Promise<string> => {
  let text = '';
  for await (const chunk of input) text += String(chunk);
  return text.split(/\r?\n/)[0] ?? '';
};

/** Creates the platform super admin unless a user with this email exists; answers whether it did. */
export const createPlatformAdmin = async (config: Config, args: string[], password: string, logger: WarnLogger) => {
  const admin = adminRequest(args, password);
  const masterKey = resolveMasterKey(config, logger);
  const store = await openEventStore(config);
  const keyStore = openKeyStore(join(config.dataDir, 'keys.db'), masterKey, { masterRecording: 'adopt' });
  const identityDb = openIdentityDb(join(config.dataDir, 'identity.db'));
  try {
    return await ensurePlatformAdmin({ store, keyStore, directory: openDirectory(identityDb) }, admin, new Date());
  } finally {
    identityDb.close();
    keyStore.close();
    await store.close();
  }
};
