/** Sample values from JSON Schemas, for tests generated over every resource. */

type Schema = Record<string, unknown>;

const FORMATS: Record<string, string> = {
  email: 'sample@example.org', uri: 'https://example.org/', date: '2024-01-02', 'date-time': '2024-01-02T03:04:05.000Z',
  uuid: '6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f',
};

const stringSample = (schema: Schema, where: string): string => {
  if (typeof schema.format === 'string' && FORMATS[schema.format]) return FORMATS[schema.format]!;
  if (schema.pattern !== undefined) throw new Error(`${where}: give the schema \`examples\` (a pattern cannot be sampled)`);
  return 'Sample'.padEnd(Number(schema.minLength ?? 0), 'x');
};

/**
 * A value that `schema` accepts: its first example, const or enum value, else one built from its
 * type (objects with their required properties only).
 * @throws Error naming the place when it cannot tell (a string pattern without examples).
 */
export const sampleOf = (schema: Schema, where = '/'): unknown => {
  if (Array.isArray(schema.examples) && schema.examples.length > 0) return schema.examples[0];
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum)) return schema.enum[0];
  switch (schema.type) {
    case 'string': return stringSample(schema, where);
    case 'integer': case 'number': return Number(schema.minimum ?? 1);
    case 'boolean': return true;
    case 'array': return [];
    case 'object': {
      const properties = (schema.properties ?? {}) as Record<string, Schema>;
      const required = (schema.required ?? []) as string[];
      return Object.fromEntries(required.map((name) => [name, sampleOf(properties[name] ?? {}, `${where}${name}/`)]));
    }
    default: throw new Error(`${where}: cannot sample a schema without a type`);
  }
};
