/**
 * `/sales/imports`: bulk import from CSV. `POST /contacts` and `POST /leads`, body `text/csv` (at
 * most 200 MB), each needing the kind's create permission; answers 200 with the import's summary
 * `{ rows, created, skipped, failed, errors, errorsOmitted }`. The body is never parsed by
 * koa-body (it parses JSON only): it is read here as a stream, a chunk at a time, while rows are
 * created, so the upload advances only as fast as rows are written (TCP backpressure).
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import { pipeline, type Duplex, type Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { authorize } from '../../access/policy.js';
import type { RecordCommand } from '../../commands/catalogue.js';
import { csvRecords } from '../../commands/sales/csv.js';
import { importRecords, type ImportRow } from '../../commands/sales/import.js';
import { AppError, InvalidInputError } from '../../errors.js';
import { principalOf } from '../authenticate.js';
import { commandContext } from '../command-context.js';
import { createRecord, type GuardState, type RecordResource, type RouteDeps } from '../records.js';
import { contactsResource } from './contacts.js';
import { leadsResource } from './leads.js';
import { processLock } from '../uniqueness-lock.js';
import type { Spare } from '../client-error.js';

export const MAX_IMPORT_BYTES = 200 * 1_048_576;

const tooLarge = (): AppError => new AppError('payload_too_large', 413, `The file exceeds ${MAX_IMPORT_BYTES} bytes`, { extra: { limit: MAX_IMPORT_BYTES } });

/** The content codings an upload may come in (as the JSON bodies); the limit counts the decoded bytes. */
const DECODERS: Record<string, () => Transform> = { gzip: createGunzip, 'x-gzip': createGunzip, deflate: createInflate, br: createBrotliDecompress };
const ACCEPTED_CODINGS = 'gzip, deflate, br';

const codingOf = (ctx: Context): string => ctx.get('Content-Encoding').trim().toLowerCase();

/** The body decoded from its `Content-Encoding`: an error of the connection or of the decoder ends the iteration with it. */
const decodedBody = (ctx: Context): AsyncIterable<Buffer> => {
  const coding = codingOf(ctx);
  return coding === '' || coding === 'identity' ? ctx.req : pipeline(ctx.req, DECODERS[coding]!(), () => undefined);
};

const isZlibError = (error: unknown): boolean => /^Z_/.test(String((error as { code?: unknown })?.code));

/** The request body as it arrives, decoded, refused past the limit (whether or not `Content-Length` announced it). */
async function* upload(ctx: Context): AsyncGenerator<Buffer> {
  let bytes = 0;
  try {
    for await (const chunk of decodedBody(ctx)) {
      bytes += chunk.length;
      if (bytes > MAX_IMPORT_BYTES) throw tooLarge();
      yield chunk;
    }
  } catch (error) {
    if (error instanceof AppError) throw error;
    if (isZlibError(error)) throw new InvalidInputError('invalid_content_encoding', `The body is not valid ${codingOf(ctx)}`);
    throw new InvalidInputError('upload_aborted', 'The upload broke off before the end of the file');
  }
}

const checkUpload = (ctx: Context): void => {
  if (!ctx.is('text/csv')) throw new AppError('unsupported_media_type', 415, 'Send the file as text/csv');
  const coding = codingOf(ctx);
  if (coding !== '' && coding !== 'identity' && !Object.hasOwn(DECODERS, coding)) {
    // Read as it is, a compressed file would be taken for CSV (RFC 9110: 415, naming the codings taken).
    throw new AppError('unsupported_media_type', 415, `Content-Encoding ${coding} is not supported`, { headers: { 'Accept-Encoding': ACCEPTED_CODINGS } });
  }
  if (Number(ctx.get('Content-Length') || 0) > MAX_IMPORT_BYTES) throw tooLarge();
};

/** Sockets whose request body is an import being read at the pace rows are written. */
const importing = new WeakSet<Duplex>();

/**
 * Spares an import in progress from the request timeout (5 minutes to receive a whole request):
 * its upload goes only as fast as its rows are created (100,000 rows take minutes).
 */
export const sparesImport: Spare = (error, socket) => error.code === 'ERR_HTTP_REQUEST_TIMEOUT' && importing.has(socket);

const importInto = <S extends GuardState, C extends RecordCommand>(deps: RouteDeps, r: RecordResource<S, C>) => async (ctx: Context) => {
  const { tenantId } = principalOf(ctx.state);
  authorize(principalOf(ctx.state), `${r.permission}:create`);
  checkUpload(ctx);
  const base = commandContext(ctx, deps.clock);
  const create = (row: ImportRow) => createRecord(deps, r, ctx, row.body, { ...base, commandId: row.commandId, now: deps.clock() }, row.id);
  importing.add(ctx.req.socket);
  try {
    // Counting each row once is this process's concern: a row's own unique values take their own (shared) lock.
    const lock = processLock;
    ctx.body = await importRecords(csvRecords(upload(ctx)), { kind: r.kind, tenantId, store: deps.store, create, lock });
  } catch (error) {
    ctx.set('Connection', 'close'); // the rest of the upload is not read
    throw error;
  } finally {
    importing.delete(ctx.req.socket);
  }
};

/** Where the import routes are mounted. */
export const IMPORTS_PATH = '/sales/imports';

/** The router of `/sales/imports`. */
export const importRoutes = (deps: RouteDeps): Router => {
  const router = new Router();
  router.post('/contacts', importInto(deps, contactsResource));
  router.post('/leads', importInto(deps, leadsResource));
  return router;
};
