const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Whether `value` can be a uuid column value. Ids come from operators and URLs; PostgreSQL
 * rejects a malformed uuid with an error, but for callers it is simply "no such row".
 */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}
