import type { JsonValue } from './port.js';

/**
 * JSON with object keys sorted at every depth (`undefined` reads as `null`): two values that are
 * equal as JSON give the same text, whatever order their keys were written in.
 */
export const canonicalJson = (value: JsonValue | undefined): string =>
  value !== null && typeof value === 'object' && !Array.isArray(value)
    ? `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`
    : Array.isArray(value) ? `[${value.map(canonicalJson).join(',')}]` : JSON.stringify(value ?? null);
