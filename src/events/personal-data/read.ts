/**
 * Reading a stored event as the domain sees it: personal fields decrypted (erased ones `null`),
 * then upcast to the current schema version. Decryption comes first because the stored
 * descriptor names the paths as they were written, before any upcaster renamed them. Fields
 * stored in plaintext before they were declared personal (`legacy`) read as personal ones.
 */
import { LEGACY_PLAINTEXT } from '../legacy-plaintext.js';
import type { JsonObject, RecordedEvent } from '../log/port.js';
import { parseStreamName } from '../log/stream-name.js';
import { noUpcasters, type Upcasters } from '../upcasting.js';
import type { KeyStore } from './key-store.js';
import { revealLegacy, withholdLegacy, type LegacyPlaintext } from './legacy.js';
import type { StreamSubjects } from './stream-subjects.js';
import { descriptorOf, reveal, withhold } from './protect.js';

/** A recorded event with plaintext personal data, and the paths that read `null` because erased. */
export type ReadableEvent = RecordedEvent & { erased: string[] };

/**
 * The event with new data (and version) and the erased paths, built field by field: every event
 * read goes through here, and a spread (`{ ...event, erased }`) costs about 40 times as much.
 */
const readable = (event: RecordedEvent, schemaVersion: number, data: JsonObject, erased: string[]): ReadableEvent => ({
  id: event.id,
  type: event.type,
  schemaVersion,
  data,
  metadata: event.metadata,
  stream: event.stream,
  revision: event.revision,
  position: event.position,
  recordedAt: event.recordedAt,
  erased,
});

/**
 * How legacy plaintext is read: which fields (default `LEGACY_PLAINTEXT`), and the subjects of the
 * streams whose old events name none (`stream-subjects.ts`; without it such values read as written).
 */
export type LegacyReading = { legacy?: LegacyPlaintext; streamSubjects?: StreamSubjects };

/** Reveals and upcasts one recorded event; the tenant comes from its stream name, never from data. */
export const readableEvent = (
  keyStore: KeyStore,
  upcasters: Upcasters = noUpcasters,
  { legacy = LEGACY_PLAINTEXT, streamSubjects }: LegacyReading = {},
) => (event: RecordedEvent): ReadableEvent => {
  const descriptor = descriptorOf(event.metadata);
  const formerlyPlain = legacy.get(event.type);
  // The common case (no personal data, the type's current version) copies the event and nothing else.
  if (!descriptor && !formerlyPlain && upcasters.currentVersion(event.type) === event.schemaVersion) {
    return readable(event, event.schemaVersion, event.data, []);
  }
  const tenant = parseStreamName(event.stream).tenantId;
  const decrypted = descriptor ? reveal(keyStore, tenant, descriptor, event.data) : { data: event.data as JsonObject, erased: [] };
  const revealed = formerlyPlain
    ? revealLegacy(keyStore, tenant, formerlyPlain, descriptor, decrypted, streamSubjects?.get(event.stream))
    : decrypted;
  const upcast = upcasters.upcast({ type: event.type, schemaVersion: event.schemaVersion, data: revealed.data });
  return readable(event, upcast.schemaVersion, upcast.data, revealed.erased);
};

/** A recorded event with its personal fields withheld: `null`, listed in `withheld`, never decrypted. */
export type WithheldEvent = ReadableEvent & { withheld: string[] };

/** Like `readableEvent`, for readers not allowed to see personal values: nothing is decrypted. */
export const withheldEvent = (upcasters: Upcasters = noUpcasters, legacy: LegacyPlaintext = LEGACY_PLAINTEXT) => (
  event: RecordedEvent,
): WithheldEvent => {
  const descriptor = descriptorOf(event.metadata);
  const formerlyPlain = legacy.get(event.type);
  const withheld = descriptor ? withhold(descriptor, event.data) : { data: event.data as JsonObject, erased: [], withheld: [] };
  const masked = formerlyPlain ? withholdLegacy(formerlyPlain, descriptor, withheld) : withheld;
  const upcast = upcasters.upcast({ type: event.type, schemaVersion: event.schemaVersion, data: masked.data });
  return { ...readable(event, upcast.schemaVersion, upcast.data, []), withheld: masked.withheld };
};
