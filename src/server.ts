/**
 * Composition root: opens the stores named by the configuration, builds the Koa app and listens.
 * `stop()` drains: readiness turns 503, the listener stops accepting, in-flight requests finish
 * (up to the grace period), running jobs finish, pending appends commit, then the databases close.
 */
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type Koa from 'koa';
import type { Logger } from 'pino';
import { openIdentityDb } from './access/identity-db.js';
import { openSigningKeys, type SigningKeys } from './access/signing-keys.js';
import { tokenVerifier } from './access/tokens.js';
import { openIdentity } from './http/identity/open.js';
import type { Config } from './config.js';
import { AUDIT_DB_FILE, openChainDb } from './events/audit/chain.js';
import { startChainSealer, type ChainSealer } from './events/audit/sealer.js';
import { openEventStore } from './events/log/open.js';
import type { EventStore } from './events/log/port.js';
import { openKeyStore, type KeyStore } from './events/personal-data/key-store.js';
import { resolveMasterKey } from './events/personal-data/master-key.js';
import { apiRoutes, RECORD_RESOURCES } from './http/api.js';
import { openHttpPlatform } from './http/platform.js';
import { lockDataDir, type DataDirLock } from './data-dir-lock.js';
import { createApp } from './http/app.js';
import { answerClientErrors } from './http/client-error.js';
import { publicFormRoutes } from './http/public/forms.js';
import { sparesImport } from './http/sales/imports.js';
import { openJobQueue } from './jobs/open.js';
import type { JobQueue } from './jobs/port.js';
import { hostApiJobs } from './jobs/api-host.js';
import { followReactions } from './jobs/reactions.js';
import { JOB_REACTIONS } from './jobs/registry.js';
import { PROJECTORS } from './projections/all.js';
import { openReadDb, type ReadDb } from './projections/read-db.js';
import { startProjections, type ProjectionRunner } from './projections/runner.js';
import { noneFailed } from './projections/status.js';
import { readModelOf } from './http/read-model.js';
import { cursorKeyOf } from './queries/cursor.js';
import { erasureEffects } from './jobs/erasure-effects.js';
import { scheduleRetentionSweeps } from './jobs/retention-schedule.js';
import { watchRebuildRequests } from './projections/requests.js';
import { claimingTypes } from './projections/uniqueness.js';
import { trackAppends } from './http/uniqueness-claims.js';

export type RunningServer = {
  url: string;
  port: number;
  store: EventStore;
  keyStore: KeyStore;
  signingKeys: SigningKeys;
  jobs: JobQueue;
  readDb: ReadDb;
  projections: ProjectionRunner;
  sealer: ChainSealer;
  /** The Koa app (its routers are the route inventory). */
  app: Koa;
  stop: () => Promise<void>;
};

export const startServer = async (config: Config, logger: Logger): Promise<RunningServer> => {
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const dataDirLock = lockDataDir(config.dataDir);
  try {
    return await startLocked(config, logger, dataDirLock);
  } catch (error) {
    dataDirLock.release(); // a failed start (a busy port…) leaves the directory to the next attempt
    throw error;
  }
};

const startLocked = async (config: Config, logger: Logger, dataDirLock: DataDirLock): Promise<RunningServer> => {
  const masterKey = resolveMasterKey(config, logger);
  const cursorKey = cursorKeyOf(masterKey);
  const platform = openHttpPlatform(config, RECORD_RESOURCES);
  const store = trackAppends(platform.metrics.timeAppends(await openEventStore(config)), RECORD_RESOURCES.flatMap((r) => claimingTypes(r.kind)));
  const keyStore = openKeyStore(join(config.dataDir, 'keys.db'), masterKey);
  const identityDb = openIdentityDb(join(config.dataDir, 'identity.db'));
  const signingKeys = await openSigningKeys(identityDb, masterKey);
  const identity = await openIdentity({ config, identityDb, masterKey, store, keyStore, logger, signingKeys });
  const readDb = openReadDb(config.dataDir, {
    onCheckpointerFailure: (err) => logger.error({ err }, 'read.db checkpointer thread failed: the main connection checkpoints by itself again'),
  });
  const projections = await startProjections({ store, keyStore, readDb, projectors: PROJECTORS, logger });
  platform.metrics.watchProjections(projections);
  const chain = openChainDb(join(config.dataDir, AUDIT_DB_FILE));
  const sealer = startChainSealer(store, chain, logger);
  const rebuildRequests = await watchRebuildRequests(store, projections, logger);
  const readModel = readModelOf(store, readDb, projections);
  const verify = tokenVerifier(signingKeys, { issuer: config.publicUrl }, identity.grantRevoked);
  // Jobs: without Redis they all run here; with Redis the worker runs them, but for those the API hosts.
  const jobs = await openJobQueue(config, logger);
  const erasure = erasureEffects({ store, keyStore, projections, projectors: PROJECTORS, queue: jobs, forgetAccount: identity.forgetAccount });
  const compliance = { store, keyStore, readDb: readDb.db, erasure, kinds: RECORD_RESOURCES.map((r) => r.kind) };
  const stopHostedJobs = await hostApiJobs(config, logger, jobs, { config, logger, queue: jobs, compliance, readModel });
  const reactions = await followReactions({ store, queue: jobs, db: identityDb, reactions: JOB_REACTIONS, logger });
  const activeTenants = () => identity.directory.tenants().filter((t) => t.status === 'active').map((t) => t.tenantId);
  const sweeps = scheduleRetentionSweeps({ queue: jobs, tenants: activeTenants, clock: () => new Date(), logger });
  let draining = false;
  const app = createApp({
    logger,
    isDraining: () => draining,
    readiness: [
      { name: 'eventStore', check: () => store.ping() },
      { name: 'readModel', check: async () => void readDb.db.prepare('SELECT 1').get() },
      { name: 'projections', check: () => noneFailed(projections), degrades: true },
    ],
    jwks: () => signingKeys.jwks(),
    api: apiRoutes({ store, keyStore, cursorKey, clock: () => new Date(), verify, identityDb, readModel, projections, chain, directory: identity.directory, sessions: identity.sessions, erasure, jobs, limitClient: platform.perClient, uniquenessLock: platform.uniquenessLock }),
    oauth: identity.oauth,
    observe: platform.metrics.observe,
    edge: platform.edge,
    publicRouters: [...platform.routers, identity.publicRoutes, publicFormRoutes({ store, keyStore, clock: () => new Date(), limiter: platform.limiter, directory: identity.directory })],
  });
  const server = app.listen(config.port);
  answerClientErrors(server, sparesImport);
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
  const port = (server.address() as AddressInfo).port;
  logger.info({ port, store: store.kind, dataDir: config.dataDir }, 'listening');

  const stop = async (): Promise<void> => {
    if (draining) return;
    draining = true;
    // 1. stop accepting; 2. let in-flight requests finish within the grace period; 3. close jobs and stores.
    // Closing the listener destroys the connections holding no request (and resets those not yet
    // accepted), so first take in what arrived while the event loop was busy, the signal perhaps
    // handled before it: one turn accepts the waiting connections, the next reads their requests.
    // Those connections are then in use, and their requests are answered.
    for (let turn = 0; turn < 2; turn++) await new Promise<void>((resolve) => setImmediate(resolve));
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const grace = new Promise<void>((resolve) => setTimeout(resolve, config.shutdownGraceMs).unref());
    await Promise.race([closed, grace]);
    server.closeAllConnections();
    sweeps.stop();
    await reactions.close();
    await stopHostedJobs();
    await jobs.close();
    await platform.close();
    await identity.close();
    await rebuildRequests.close();
    await projections.close();
    await readDb.close();
    await sealer.stop();
    chain.close();
    await store.close();
    keyStore.close();
    identityDb.pragma('wal_checkpoint(TRUNCATE)');
    identityDb.close();
    dataDirLock.release();
    logger.info('stopped');
  };
  return { url: `http://127.0.0.1:${port}`, port, store, keyStore, signingKeys, jobs, readDb, projections, sealer, app, stop };
};
