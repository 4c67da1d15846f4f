import { createHash } from 'node:crypto';

/**
 * The stored form of an API key. Keys are long random secrets, so a fast one-way hash is enough
 * (no dictionary to attack) and lets a request's key be found by an index lookup.
 */
export function hashApiKey(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}
