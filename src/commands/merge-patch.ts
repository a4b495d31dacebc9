/**
 * JSON Merge Patch (RFC 7386), as a record's PATCH applies to each field: an object merges into
 * the field's object member by member (recursively), `null` removes a member, arrays and scalars
 * replace. Events keep carrying each changed field's whole new value, so readers of the log
 * (projections, history, `asOf`) never merge.
 */
import type { JsonObject, JsonValue } from '../events/log/port.js';

/** Whether a JSON value is an object (not an array, not null): what a merge patch merges. */
export const isJsonObject = (value: unknown): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);

/** `patch` applied to `target` (RFC 7386 §2); a target that is not an object is replaced by what the patch builds. */
export const mergePatch = (target: JsonValue | undefined, patch: JsonValue): JsonValue => {
  if (!isJsonObject(patch)) return patch;
  const next: Record<string, JsonValue> = isJsonObject(target) ? { ...target } : {};
  for (const [name, value] of Object.entries(patch)) {
    if (value === null) delete next[name];
    else next[name] = mergePatch(next[name], value);
  }
  return next;
};

/**
 * `patch` as one that names every member the result has, and those it removes as `null`: applied
 * to `target` it gives what `patch` gives, and a reader taking its values whole (without merging)
 * sees the merged members.
 */
export const spelledOut = (target: JsonValue | undefined, patch: JsonValue): JsonValue => {
  if (!isJsonObject(patch) || !isJsonObject(target)) return patch;
  const members = Object.entries(patch).map(([name, value]) => [name, value === null ? null : spelledOut(target[name], value)]);
  return { ...target, ...Object.fromEntries(members) };
};

const nullable = (schema: JsonObject): JsonObject => ({ anyOf: [schema, { type: 'null' }] });

// Kept in a patch's schema; the rest (`required`, `anyOf`, `if`…) are checked on the merged value.
const KEPT = ['additionalProperties', 'description', 'examples'];

/**
 * The schema of a merge patch of a value of `schema`: an object's members are all optional, its
 * optional ones nullable (removed) and each one a patch in turn; anything else is `schema` itself.
 * The merged value is validated against `schema` (a required member removed, a rule across members).
 */
export const patchSchemaOf = (schema: JsonObject): JsonObject => {
  if (schema.type !== 'object' || !isJsonObject(schema.properties)) return schema;
  const required = Array.isArray(schema.required) ? schema.required : [];
  const properties = Object.fromEntries(Object.entries(schema.properties).map(([name, member]) => {
    const patch = patchSchemaOf(member as JsonObject);
    return [name, required.includes(name) ? patch : nullable(patch)];
  }));
  return { type: 'object', ...Object.fromEntries(KEPT.filter((key) => key in schema).map((key) => [key, schema[key]!])), properties };
};
