import { join } from 'node:path';
import type { EventStore } from '../log/port.js';
import { AUDIT_DB_FILE, openChainDb } from './chain.js';
import { sealPending } from './sealer.js';
import { verifyChain, type ChainReport } from './verify.js';

/**
 * The operator's check (`npm run crm -- audit verify [--seal]`): opens `DATA_DIR/audit.db`, seals
 * the unsealed tail first only when asked, then verifies the whole chain against the log.
 */
export const checkAuditLog = async (
  store: EventStore,
  dataDir: string,
  options: { seal: boolean },
): Promise<ChainReport & { sealedNow: number }> => {
  const chain = openChainDb(join(dataDir, AUDIT_DB_FILE));
  try {
    const sealedNow = options.seal ? await sealPending(store, chain) : 0;
    return { ...(await verifyChain(store, chain)), sealedNow };
  } finally {
    chain.close();
  }
};
