/**
 * Reading a stored event as the domain sees it: personal fields decrypted (erased ones `null`),
 * then upcast to the current schema version. Decryption comes first because the stored
 * descriptor names the paths as they were written, before any upcaster renamed them.
 */
import type { JsonObject, RecordedEvent } from '../log/port.js';
import { parseStreamName } from '../log/stream-name.js';
import { noUpcasters, type Upcasters } from '../upcasting.js';
import type { KeyStore } from './key-store.js';
import { descriptorOf, reveal, withhold } from './protect.js';

/** A recorded event with plaintext personal data, and the paths that read `null` because erased. */
export type ReadableEvent = RecordedEvent & { erased: string[] };

/** Reveals and upcasts one recorded event; the tenant comes from its stream name, never from data. */
export const readableEvent = (keyStore: KeyStore, upcasters: Upcasters = noUpcasters) => (
  event: RecordedEvent,
): ReadableEvent => {
  const descriptor = descriptorOf(event.metadata);
  const revealed = descriptor
    ? reveal(keyStore, parseStreamName(event.stream).tenantId, descriptor, event.data)
    : { data: event.data as JsonObject, erased: [] };
  const upcast = upcasters.upcast({ type: event.type, schemaVersion: event.schemaVersion, data: revealed.data });
  return { ...event, schemaVersion: upcast.schemaVersion, data: upcast.data, erased: revealed.erased };
};

/** A recorded event with its personal fields withheld: `null`, listed in `withheld`, never decrypted. */
export type WithheldEvent = ReadableEvent & { withheld: string[] };

/** Like `readableEvent`, for readers not allowed to see personal values: nothing is decrypted. */
export const withheldEvent = (upcasters: Upcasters = noUpcasters) => (event: RecordedEvent): WithheldEvent => {
  const descriptor = descriptorOf(event.metadata);
  const masked = descriptor ? withhold(descriptor, event.data) : { data: event.data as JsonObject, withheld: [] };
  const upcast = upcasters.upcast({ type: event.type, schemaVersion: event.schemaVersion, data: masked.data });
  return { ...event, schemaVersion: upcast.schemaVersion, data: upcast.data, erased: [], withheld: masked.withheld };
};
