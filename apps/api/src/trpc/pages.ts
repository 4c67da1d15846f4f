import { z } from 'zod';
import { staffError } from './errors';

/** A list's cursor as the admin app passes `nextCursor` back (absent or null: the first page). */
export const CursorInput = z.string().max(200).nullish();

/** A page size from 1 to `max`. */
export const LimitInput = (max: number, fallback: number) =>
  z.int().min(1).max(max).default(fallback);

/** A page of `item` (the `Page` of platform/pages.ts, as procedures return it). */
export const pageOutput = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() });

export const unknownCursor = () =>
  staffError('BAD_REQUEST', 'unknown_cursor', 'Unknown cursor; pass nextCursor back unchanged.');
