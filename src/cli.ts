/**
 * `npm run crm -- <command>`: operator commands, configured by the same environment as the server.
 * Exit status: 0 done, 1 failed, 2 bad usage, 78 bad configuration (named in one line, as the server does).
 */
import { issueOperatorToken, rotateSigningKey } from './access/operator.js';
import { KEYS_DB, lockStoppedDataDir, requireDataFile, requireEventLog } from './cli-data-dir.js';
import { createPlatformAdmin, readPasswordLine } from './commands/identity/operator.js';
import { loadConfig, type Config } from './config.js';
import { AppError, ConfigError, ConflictError } from './errors.js';
import { openEventStore } from './events/log/open.js';
import type { EventStore, RecordedEvent } from './events/log/port.js';
import { rotateMasterKey } from './events/personal-data/rotation.js';
import { MasterKeyMismatchError } from './events/personal-data/errors.js';
import { openOfflineReader, type OfflineReader } from './events/personal-data/offline-reader.js';
import { checkAuditLog } from './events/audit/check.js';
import type { ChainReport } from './events/audit/verify.js';
import { createLogger } from './logger.js';
import { statusJson } from './http/superadmin/projections.js';
import { rebuildProjection } from './projections/offline.js';

const stderrLogger = { warn: (fields: object, message: string) => void process.stderr.write(`${message} ${JSON.stringify(fields)}\n`) };
const print = (value: unknown): number => (process.stdout.write(`${JSON.stringify(value)}\n`), 0);

type Command = { usage: string; run: (args: string[], config: Config) => Promise<number> };

const toJson = (e: RecordedEvent): string =>
  JSON.stringify({ ...e, revision: Number(e.revision), position: Number(e.position), recordedAt: e.recordedAt.toISOString() });

/** The report on stdout; a broken chain also named on stderr, and exit status 1. */
const auditAnswer = (report: ChainReport): number => {
  print(report);
  const b = report.broken;
  if (b) process.stderr.write(`Audit chain broken at position ${b.position} (stream ${b.stream}, event ${b.eventId}): ${b.problem}: ${b.detail}\n`);
  return b ? 1 : 0;
};

const asStored = (why: string): OfflineReader => {
  process.stderr.write(`${why}: personal fields are printed as stored (ciphertext)\n`);
  return { decrypts: false, read: async (_store, events) => events, close: () => undefined };
};

/** Decrypts when it can; as stored otherwise, a master key that did not wrap the key store included (docs/audit.md). */
const openReader = (config: Config): OfflineReader => {
  try {
    const reader = openOfflineReader(config);
    return reader.decrypts ? reader : asStored('No master key or key store here');
  } catch (error) {
    if (!(error instanceof MasterKeyMismatchError)) throw error;
    return asStored(`The master key does not open the key store (${error.code})`);
  }
};

/** With the servers stopped (their lock held throughout, so none starts meanwhile), on a DATA_DIR with a key store. */
const rotateMaster = (config: Config): number => {
  requireDataFile(config.dataDir, KEYS_DB);
  const lock = lockStoppedDataDir(config.dataDir, 'keys rotate-master');
  try {
    return print(rotateMasterKey(config, process.env.CRM_NEW_MASTER_KEY, stderrLogger));
  } finally {
    lock.release();
  }
};

const withStore = async (config: Config, work: (store: EventStore) => Promise<number>): Promise<number> => {
  const store = await openEventStore(config);
  try {
    return await work(store);
  } finally {
    await store.close();
  }
};

const commands: Record<string, Command> = {
  replay: {
    usage: 'replay <stream>            print a stream\'s events as JSON lines, oldest first',
    run: async ([stream], config) => {
      if (!stream) return usage('replay needs a stream name');
      requireEventLog(config);
      return withStore(config, async (store) => {
        const reader = openReader(config);
        try {
          for (const event of await reader.read(store, await store.readStream(stream))) process.stdout.write(`${toJson(event)}\n`);
        } finally {
          reader.close();
        }
        return 0;
      });
    },
  },
  audit: {
    usage: 'audit verify [--seal]      recompute the log\'s hash chain (--seal: seal the unsealed tail first); exit 1 on a break',
    run: async ([sub, ...flags], config) => {
      if (sub !== 'verify' || flags.some((flag) => flag !== '--seal')) return usage('audit needs: verify [--seal]');
      requireEventLog(config);
      return withStore(config, async (store) => auditAnswer(await checkAuditLog(store, config.dataDir, { seal: flags.includes('--seal') })));
    },
  },
  keys: {
    usage: 'keys rotate-master|rotate-signing   re-wrap data keys under CRM_NEW_MASTER_KEY | new token signing key',
    run: async ([sub], config) => {
      if (sub === 'rotate-master') return rotateMaster(config);
      if (sub === 'rotate-signing') return print(await rotateSigningKey(config, stderrLogger));
      return usage('keys needs: rotate-master or rotate-signing');
    },
  },
  admin: {
    usage: 'admin create --email E --password-stdin [--name N]   create the platform super admin (password on stdin)',
    run: async ([sub, ...args], config) =>
      sub === 'create' ? print(await createPlatformAdmin(config, args, await readPasswordLine(process.stdin), stderrLogger)) : usage('admin needs: create'),
  },
  tokens: {
    usage: 'tokens issue --tenant T --actor A --roles r1,r2 [--ttl 900]   print an access token',
    run: async ([sub, ...args], config) =>
      sub === 'issue' ? print(await issueOperatorToken(config, args, stderrLogger)) : usage('tokens needs: issue'),
  },
  projections: {
    usage: 'projections rebuild <name>  rebuild a projection into new tables and swap them in (server up or down)',
    run: async ([sub, name], config) => {
      if (sub !== 'rebuild' || !name) return usage('projections needs: rebuild <name>');
      requireEventLog(config);
      return print(statusJson(await rebuildProjection({ config, logger: createLogger(config.logLevel, process.stderr) }, name)));
    },
  },
  'store-head': {
    usage: 'store-head                 print the store kind and the position of the last event',
    run: async (_args, config) => {
      requireEventLog(config);
      return withStore(config, async (store) => print({ store: store.kind, headPosition: Number(await store.headPosition()) }));
    },
  },
};

const usageText = (): string =>
  `Usage: npm run crm -- <command>\n\n${Object.values(commands).map((c) => `  ${c.usage}`).join('\n')}\n  help                       print this text\n`;

const usage = (problem?: string): number => {
  if (problem) process.stderr.write(`${problem}\n\n`);
  process.stderr.write(usageText());
  return 2;
};

const HELP = new Set(['help', '--help', '-h']);

/** What the operator fixes in the environment rather than on the command line (exit 78, as the server). */
const ENVIRONMENT = new Set(['data_dir_missing', 'data_dir_in_use', 'master_key_mismatch']);

const isParseError = (error: unknown): error is Error => /^ERR_PARSE_ARGS_/.test(String((error as { code?: unknown })?.code));

const failure = (error: unknown): number => {
  if (error instanceof ConfigError) return (process.stderr.write(`${error.message}\n`), 78);
  if (error instanceof AppError && ENVIRONMENT.has(error.code)) return (process.stderr.write(`${error.code}: ${error.message}\n`), 78);
  // The command line was right but the data refuses it (an email another user holds): a failure, not bad usage.
  if (error instanceof ConflictError) return (process.stderr.write(`${error.code}: ${error.message}\n`), 1);
  if (error instanceof AppError && error.status < 500) return usage(`${error.code}: ${error.message}`);
  if (isParseError(error)) return usage(`invalid_arguments: ${error.message}`);
  throw error;
};

const main = async (argv: string[]): Promise<number> => {
  const [name, ...args] = argv;
  if (name !== undefined && HELP.has(name)) return (process.stdout.write(usageText()), 0);
  const command = name && Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (!command) return usage(name ? `Unknown command: ${name}` : undefined);
  try {
    return await command.run(args, loadConfig());
  } catch (error) {
    return failure(error);
  }
};

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
