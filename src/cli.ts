/**
 * `npm run crm -- <command>`: operator commands, configured by the same environment as the server.
 * Exit status: 0 done, 1 failed, 2 bad usage, 78 bad configuration.
 */
import { issueOperatorToken, rotateSigningKey } from './access/operator.js';
import { createPlatformAdmin, readPasswordLine } from './commands/identity/operator.js';
import { loadConfig, type Config } from './config.js';
import { AppError, ConfigError } from './errors.js';
import { openEventStore } from './events/log/open.js';
import type { EventStore, RecordedEvent } from './events/log/port.js';
import { rotateMasterKey } from './events/personal-data/rotation.js';
import { openOfflineReader } from './events/personal-data/offline-reader.js';
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
      return withStore(config, async (store) => {
        const reader = openOfflineReader(config);
        if (!reader.decrypts) process.stderr.write('No master key or key store here: personal fields are printed as stored (ciphertext)\n');
        try {
          for (const event of await store.readStream(stream)) process.stdout.write(`${toJson(reader.read(event))}\n`);
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
      return withStore(config, async (store) => auditAnswer(await checkAuditLog(store, config.dataDir, { seal: flags.includes('--seal') })));
    },
  },
  keys: {
    usage: 'keys rotate-master|rotate-signing   re-wrap data keys under CRM_NEW_MASTER_KEY | new token signing key',
    run: async ([sub], config) => {
      if (sub === 'rotate-master') return print(rotateMasterKey(config, process.env.CRM_NEW_MASTER_KEY, stderrLogger));
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
      return print(statusJson(await rebuildProjection({ config, logger: createLogger(config.logLevel, process.stderr) }, name)));
    },
  },
  'store-head': {
    usage: 'store-head                 print the store kind and the position of the last event',
    run: async (_args, config) =>
      withStore(config, async (store) => print({ store: store.kind, headPosition: Number(await store.headPosition()) })),
  },
};

const usage = (problem?: string): number => {
  if (problem) process.stderr.write(`${problem}\n\n`);
  process.stderr.write(`Usage: npm run crm -- <command>\n\n${Object.values(commands).map((c) => `  ${c.usage}`).join('\n')}\n`);
  return 2;
};

const main = async (argv: string[]): Promise<number> => {
  const [name, ...args] = argv;
  const command = name ? commands[name] : undefined;
  if (!command) return usage(name ? `Unknown command: ${name}` : undefined);
  try {
    return await command.run(args, loadConfig());
  } catch (error) {
    if (error instanceof ConfigError) return (process.stderr.write(`${error.message}\n`), 78);
    if (error instanceof AppError && error.status < 500) return usage(`${error.code}: ${error.message}`);
    throw error;
  }
};

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
