/** The sales configuration in effect for a tenant, read from its stream (defaults when never configured). */
import type { EventStore } from '../../events/log/port.js';
import { streamName } from '../../events/log/stream-name.js';
import {
  SALES_CONFIG_ID, SALES_CONFIG_TYPE, effectiveSalesConfig, evolveSalesConfig, initialSalesConfigState, type SalesConfig,
} from '../../events/sales/config.js';

/** The configuration and the revision of its stream (undefined: never configured). */
export const salesConfigOf = async (deps: { store: EventStore }, tenantId: string): Promise<{ config: SalesConfig; revision: bigint | undefined }> => {
  const events = await deps.store.readStream(streamName(tenantId, SALES_CONFIG_TYPE, SALES_CONFIG_ID));
  const state = events.reduce(evolveSalesConfig, initialSalesConfigState());
  return { config: effectiveSalesConfig(state), revision: events[events.length - 1]?.revision };
};
