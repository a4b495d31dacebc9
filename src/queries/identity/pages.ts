/**
 * Keyset pages of records by id: the ids come from an index (the identity directory, or a read
 * model such as the web forms'), each record is then folded from its own stream (bounded by the
 * page size, at most 200).
 */
import { NotFoundError } from '../../errors.js';
import { decodeCursor, encodeCursor, fingerprintOf, limitOf, type CursorKey, type SortKey } from '../cursor.js';

const ID_KEY: readonly SortKey[] = [{ column: 'id', desc: false, notNull: true }];

export type IdPageQuery = { limit?: string; cursor?: string };
export type IdPage<T> = { data: T[]; page: { nextCursor: string | null } };

/** A record's view, or `undefined` when its stream does not exist (yet). */
const presentOrNone = async <T>(view: () => Promise<T>): Promise<T | undefined> => {
  try {
    return await view();
  } catch (error) {
    if (error instanceof NotFoundError) return undefined;
    throw error;
  }
};

/**
 * One page of `list` (a name for the cursor's fingerprint) in `tenantId`: `idsAfter` answers up to
 * `limit` ids after an id, `view` reads one record; cursors sealed with `cursorKey`.
 * @throws InvalidInputError `invalid_limit` or `invalid_cursor` (400).
 */
export const pageById = async <T>(
  cursorKey: CursorKey, query: IdPageQuery, list: string, tenantId: string,
  idsAfter: (afterId: string, limit: number) => string[], view: (id: string) => Promise<T>,
): Promise<IdPage<T>> => {
  const limit = limitOf(query.limit);
  const fingerprint = fingerprintOf([list, tenantId]);
  const [after] = query.cursor ? decodeCursor(cursorKey, query.cursor, ID_KEY, fingerprint) : [''];
  const ids = idsAfter(String(after), limit + 1);
  const views = await Promise.all(ids.slice(0, limit).map((id) => presentOrNone(() => view(id))));
  const nextCursor = ids.length > limit ? encodeCursor(cursorKey, [ids[limit - 1]!], fingerprint) : null;
  return { data: views.filter((v): v is Awaited<T> => v !== undefined), page: { nextCursor } };
};
