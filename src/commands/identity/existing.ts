import { NotFoundError } from '../../errors.js';

/** The state of an aggregate that exists (any status but `none`), or 404 `not_found` naming `what`. */
export const existing = <S extends { status: string }>(state: S, what: string): Exclude<S, { status: 'none' }> => {
  if (state.status === 'none') throw new NotFoundError(`No such ${what}`);
  return state as Exclude<S, { status: 'none' }>;
};
