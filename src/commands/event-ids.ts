import { createHash } from 'node:crypto';

// A fixed namespace for UUIDv5 derivation of event ids from command ids (RFC 9562 §5.5).
const NAMESPACE = Buffer.from('6f0cfb3c8f2d4c0e9a4b3c1e5d7a9b21', 'hex');

const uuidV5 = (name: string): string => {
  const hash = createHash('sha1').update(NAMESPACE).update(name).digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
};

/**
 * The id of the `index`-th event a command produces: a UUIDv5 of (command id, index), so the
 * same command always produces the same event ids and a retried append is recognised by the log.
 */
export const eventIdFor = (commandId: string, index: number): string => uuidV5(`${commandId}#${index}`);

/**
 * The command id of a request sent with an `Idempotency-Key`: the same (tenant, key) always names
 * the same command, so a retry that reaches another replica still appends nothing twice.
 */
export const commandIdFor = (tenantId: string, idempotencyKey: string): string =>
  uuidV5(`idempotency#${tenantId}#${idempotencyKey}`);

/**
 * The command id of one row of a bulk import: (tenant, kind, SHA-256 of the row's normalized
 * content, how many identical rows came before it in the file). Re-sending the same file, or a
 * file resumed after a crash, names the same commands, so nothing is created twice.
 */
export const importRowCommandIdFor = (tenantId: string, kindType: string, contentHash: string, occurrence: number): string =>
  uuidV5(`import#${tenantId}#${kindType}#${contentHash}#${occurrence}`);

/** The id of the record a create command makes: a retried create addresses the same record. */
export const recordIdFor = (commandId: string): string => uuidV5(`${commandId}#record`);

/** The id of a command another command sends as one of its effects (`role`: `contact`, `account`…), so a retry sends it again identically. */
export const childCommandIdFor = (commandId: string, role: string): string => uuidV5(`${commandId}#child#${role}`);
