/**
 * The fields of every record kind that events once stored in plaintext and that are personal now
 * (`RecordKind.legacyPlaintext`, and a user's deactivation reason), by event type: what every
 * reader of the log treats as personal beside the fields each event's descriptor lists (see
 * `personal-data/legacy.ts`).
 */
import { legacyPlaintextOf } from './catalogue.js';
import { USER_LEGACY_PLAINTEXT } from './identity/user.js';
import type { LegacyPlaintext } from './personal-data/legacy.js';
import { activityKind } from './sales/activity.js';
import { contactKind } from './sales/contact.js';
import { leadKind } from './sales/lead.js';

export const LEGACY_PLAINTEXT: LegacyPlaintext = new Map([...[contactKind, leadKind, activityKind].flatMap(legacyPlaintextOf), ...USER_LEGACY_PLAINTEXT]);
