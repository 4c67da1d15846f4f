import { z } from 'zod';
import { typeError } from './validation';

/**
 * One page of a keyset-paginated list: every list of the API reads into this shape, and each edge
 * writes it its own way (REST: `data`, `has_more`, `next_cursor`; tRPC: as it is). Keyset (not
 * OFFSET) keeps deep pages as fast as the first.
 */
export interface Page<T> {
  items: T[];
  /** Where the next page starts, opaque; null on the last page. */
  nextCursor: string | null;
}

/** What a caller asks of a list: at most `limit` items, after `cursor` (none: from the start). */
export interface PageRequest {
  limit: number;
  cursor?: string | null | undefined;
}

/** A cursor this list did not issue: a typo, another list's cursor, or a forged position. */
export type BadCursor = 'bad_cursor';

/** The one cursor codec: a typed position of one list, opaque to clients. */
export interface CursorCodec<Position> {
  encode(position: Position): string;
  /** The position inside `cursor`, or null when this list did not issue it. */
  decode(cursor: string): Position | null;
}

/**
 * Cursors of one list: `{ list, after }` as base64url JSON, `after` being the keyset position of
 * the last row served. On the way back in the list name and the position are validated by the
 * schema, so a cursor of another list or a forged position out of range is refused as unknown.
 * Not signed: a cursor only moves the start of a query that applies its own tenant filter, so a
 * forged one can show nothing the caller could not page to.
 */
export function cursorCodec<S extends z.ZodType>(
  list: string,
  position: S,
): CursorCodec<z.output<S>> {
  const envelope = z.strictObject({ list: z.literal(list), after: position });
  return {
    encode: (after) =>
      Buffer.from(JSON.stringify({ list, after: z.encode(position, after) }), 'utf8').toString(
        'base64url',
      ),
    decode(cursor) {
      try {
        const parsed = envelope.safeParse(
          JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')),
        );
        return parsed.success ? (parsed.data as { after: z.output<S> }).after : null;
      } catch {
        return null; // not JSON: not a cursor we issued
      }
    },
  };
}

/** A point in time in a cursor (ISO text inside, a Date outside). */
const instant = z.codec(z.iso.datetime(), z.date(), {
  decode: (text) => new Date(text),
  encode: (date) => date.toISOString(),
});

/** The position in a list ordered by `(time, id)`, newest first. */
export const TimeAndId = z.object({ t: instant, id: z.uuid() });

/** The position in a list ordered by a `bigint` id (ledger rows, audit rows). */
export const BigintId = z.object({
  id: z.codec(z.string().regex(/^\d{1,19}$/), z.bigint().max(9_223_372_036_854_775_807n), {
    decode: (digits) => BigInt(digits),
    encode: (id) => id.toString(),
  }),
});

/**
 * The page in `rows`, which were fetched with `limit + 1`: the extra row only tells that there is
 * a next page, which starts after the last row served.
 */
export function pageOf<Row, Position>(
  rows: readonly Row[],
  limit: number,
  codec: CursorCodec<Position>,
  positionOf: (row: Row) => Position,
): Page<Row> {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return {
    items,
    nextCursor: rows.length > limit && last !== undefined ? codec.encode(positionOf(last)) : null,
  };
}

/** The same page with each item turned into another shape. */
export const mapPage = <T, U>(page: Page<T>, map: (item: T) => U): Page<U> => ({
  items: page.items.map(map),
  nextCursor: page.nextCursor,
});

/** A cursor parameter as clients send it back (the REST query's `cursor`). */
export const CursorSchema = z
  .string()
  .max(200)
  .meta({ description: 'Opaque; pass `next_cursor` back unchanged.' });

/** A page size query parameter: an integer from 1 to `max`. */
export const PageLimitSchema = (max: number, fallback: number) =>
  z.coerce
    .number({ error: typeError('Must be an integer.') })
    .int('Must be an integer.')
    .min(1, 'Must be at least 1.')
    .max(max, `Must be at most ${max}.`)
    .default(fallback)
    .meta({ description: `Page size, 1–${max} (default ${fallback}).` });
