import { useCallback } from 'react';
import { useSearchParams } from 'react-router';

/** Search params that identify a page of results; any filter change starts again at page 1. */
const PAGING = ['cursor', 'page'];

/**
 * Filters, tabs and cursors live in the URL so a view can be bookmarked or shared. `set` writes
 * several params at once (empty values are removed) and, unless told otherwise, drops the
 * cursor: a cursor belongs to the filters it was issued for.
 */
export function useUrlState() {
  const [params, setParams] = useSearchParams();
  const get = useCallback((key: string) => params.get(key) ?? '', [params]);
  const set = useCallback(
    (
      updates: Record<string, string | number | null | undefined>,
      options: { keepPage?: boolean; replace?: boolean } = {},
    ) => {
      setParams(
        (previous) => {
          const next = new URLSearchParams(previous);
          if (!options.keepPage) for (const key of PAGING) next.delete(key);
          for (const [key, value] of Object.entries(updates)) {
            if (value === null || value === undefined || value === '') next.delete(key);
            else next.set(key, String(value));
          }
          return next;
        },
        { replace: options.replace ?? false },
      );
    },
    [setParams],
  );
  return { params, get, set };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (value: string) => UUID.test(value);

/**
 * Whether a value can be the start of an id as the server takes it (`idPrefixRange` in the API):
 * at least 4 hexadecimal digits, hyphens only where a uuid has them, at most a whole id.
 */
export function isIdPrefix(value: string): boolean {
  const text = value.trim().toLowerCase();
  const hex = text.replaceAll('-', '');
  const shaped = text.includes('-')
    ? [...text].every((c, at) => ([8, 13, 18, 23].includes(at) ? c === '-' : /[0-9a-f]/.test(c)))
    : /^[0-9a-f]+$/.test(text);
  return shaped && hex.length >= 4 && hex.length <= 32 && text.length <= 36;
}

const YMD = /^\d{4}-\d{2}-\d{2}$/;

/** Start of a `YYYY-MM-DD` day in the viewer's time zone (a "from" filter, inclusive). */
export function dayStart(ymd: string): Date | undefined {
  if (!YMD.test(ymd)) return undefined;
  const [y, m, d] = ymd.split('-').map(Number) as [number, number, number];
  const date = new Date(y, m - 1, d);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/**
 * End of a `YYYY-MM-DD` day: the next midnight. The server's `to` is exclusive, and a person
 * picking "to 5 May" means including 5 May.
 */
export function dayEnd(ymd: string): Date | undefined {
  const start = dayStart(ymd);
  if (!start) return undefined;
  return new Date(start.getFullYear(), start.getMonth(), start.getDate() + 1);
}

/** A positive integer from the URL within bounds, else the fallback. */
export function intParam(value: string, fallback: number, max: number) {
  const n = Number.parseInt(value, 10);
  return Number.isInteger(n) && n >= 1 ? Math.min(n, max) : fallback;
}
