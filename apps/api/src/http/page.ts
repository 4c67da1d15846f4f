import type { Page } from '../platform/pages';
import { ApiError } from './errors';

/** A page as the public API answers it: `data`, `has_more` and `next_cursor` (the public contract). */
export function restPage<T, Wire>(page: Page<T>, serialise: (item: T) => Wire) {
  return {
    ok: true as const,
    data: page.items.map(serialise),
    has_more: page.nextCursor !== null,
    next_cursor: page.nextCursor,
  };
}

/** The refusal of a cursor the list did not issue. */
export const unknownCursor = () =>
  new ApiError('invalid_request', 'The cursor is not one this API issued.', [
    { path: 'query.cursor', message: 'Unknown cursor; pass next_cursor back unchanged.' },
  ]);
