const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Whether `value` can be a uuid column value. Ids come from operators and URLs; PostgreSQL
 * rejects a malformed uuid with an error, but for callers it is simply "no such row".
 */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/** Fewest hex digits an id prefix may have: 4 narrow a million ids to about 15. */
export const MIN_ID_PREFIX_HEX = 4;

/** Where the hyphens of a canonical uuid are (`8-4-4-4-12`). */
const HYPHENS = new Set([8, 13, 18, 23]);

/** The uuids starting with a prefix, as an inclusive range of the uuid column. */
export interface IdPrefixRange {
  /** The prefix as typed, lower-cased (hyphens kept where typed). */
  prefix: string;
  lowest: string;
  highest: string;
}

/**
 * The id range a short id stands for, e.g. `3f6c1a2b` (the 8 characters the admin and the CLI
 * show) → `3f6c1a2b-0000-…-000000000000` to `3f6c1a2b-ffff-…-ffffffffffff`. PostgreSQL orders
 * uuids by their bytes, which is the order of their hex spelling, so `id BETWEEN lowest AND
 * highest` is a range scan of the primary key instead of a text match over every row. Accepts
 * the start of a canonical uuid (hyphens where a uuid has them) or bare hex; returns a reason
 * otherwise.
 */
export function idPrefixRange(input: string): IdPrefixRange | { problem: string } {
  const prefix = input.trim().toLowerCase();
  const hex = prefix.replaceAll('-', '');
  if (prefix.length === 0) return { problem: 'Must not be empty.' };
  const bare = !prefix.includes('-');
  const canonical = [...prefix].every((char, at) =>
    HYPHENS.has(at) ? char === '-' : /[0-9a-f]/.test(char),
  );
  if (!(bare ? /^[0-9a-f]+$/.test(prefix) : canonical) || hex.length > 32 || prefix.length > 36) {
    return {
      problem:
        'Must be hexadecimal digits: the start of an id such as 3f6c1a2b (hyphens only where a uuid has them).',
    };
  }
  if (hex.length < MIN_ID_PREFIX_HEX) {
    return { problem: `Give at least ${MIN_ID_PREFIX_HEX} hexadecimal digits of the id.` };
  }
  const spell = (digits: string) =>
    `${digits.slice(0, 8)}-${digits.slice(8, 12)}-${digits.slice(12, 16)}-${digits.slice(16, 20)}-${digits.slice(20)}`;
  return {
    prefix,
    lowest: spell(hex.padEnd(32, '0')),
    highest: spell(hex.padEnd(32, 'f')),
  };
}
