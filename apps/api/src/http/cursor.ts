/**
 * Opaque keyset cursors: the position after the last row of a page, base64url-encoded so that
 * clients pass it back unchanged instead of building it. Keyset (not OFFSET) keeps deep pages as
 * fast as the first.
 */
export function encodeCursor(position: string | number): string {
  return Buffer.from(JSON.stringify({ after: position }), 'utf8').toString('base64url');
}

/** The position inside a cursor, or null when it is not one of ours. */
export function decodeCursor(cursor: string): string | number | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (value && typeof value === 'object' && 'after' in value) {
      const after = (value as { after: unknown }).after;
      if (typeof after === 'string' || typeof after === 'number') return after;
    }
  } catch {
    // fall through: not a cursor we issued
  }
  return null;
}
