/**
 * Request validation with ajv, one instance for the whole process. Unknown fields are refused
 * (schemas declare `additionalProperties: false`); every failure becomes a 400 problem with one
 * field error per ajv error, pointing at the offending field.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { InvalidInputError, type FieldError } from '../errors.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

export const ajv = addFormats(new Ajv({ allErrors: true, strict: true, useDefaults: false, coerceTypes: false, multipleOfPrecision: 6 }));

const pointerOf = (error: ErrorObject): string => {
  const params = error.params as { missingProperty?: string; additionalProperty?: string };
  const child = params.missingProperty ?? params.additionalProperty;
  return child === undefined ? error.instancePath || '/' : `${error.instancePath}/${child}`;
};

const messageOf = (error: ErrorObject): string =>
  error.keyword === 'additionalProperties' ? 'is not a known field' : error.keyword === 'required' ? 'is required' : error.message ?? 'is invalid';

/** At most this many field errors are answered: a body of 60,000 unknown keys would get a 3 MB problem. */
export const MAX_FIELD_ERRORS = 50;

/** Field errors with JSON pointers, from ajv's errors (the first `MAX_FIELD_ERRORS`). */
export const fieldErrors = (errors: readonly ErrorObject[] | null | undefined): FieldError[] =>
  (errors ?? []).slice(0, MAX_FIELD_ERRORS).map((e) => ({ pointer: pointerOf(e), message: messageOf(e) }));

const schemas = new WeakMap<(input: unknown) => unknown, object>();

/** The schema a `validator` was compiled from: the OpenAPI document describes requests with it. */
export const schemaOf = (assertion: (input: unknown) => unknown): object | undefined => schemas.get(assertion);

/** Compiles a schema into an assertion that narrows its input or throws `validation_failed`. */
export const validator = <T>(schema: object): ((input: unknown) => T) => {
  const validate: ValidateFunction = ajv.compile(schema);
  const assertion = (input: unknown): T => {
    if (validate(input)) return input as T;
    throw new InvalidInputError('validation_failed', 'The request is not valid', fieldErrors(validate.errors));
  };
  schemas.set(assertion, schema);
  return assertion;
};
