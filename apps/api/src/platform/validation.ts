import { z } from 'zod';

/** One problem with an input, located by a path into it (`items[3].model`). */
export interface ErrorDetail {
  path: string;
  message: string;
}

/**
 * Text that PostgreSQL can store: no NUL character (text columns and jsonb refuse it) and no
 * lone UTF-16 surrogate (not valid UTF-8). Without this, such input would fail deep inside a
 * transaction as a 500 instead of a 422 naming the field.
 */
export function isStorableText(value: string): boolean {
  return !value.includes('\u0000') && value.isWellFormed();
}

/** Length in characters (code points), as people and JSON Schema's `maxLength` count them. */
export function characterCount(value: string): number {
  let count = 0;
  for (const _ of value) count++;
  return count;
}

/** Only the type error gets this message; range and format errors keep their own. */
export const typeError = (message: string) => (issue: { code: string }) =>
  issue.code === 'invalid_type' ? message : undefined;

/**
 * A string that is storable and at most `max` characters (code points), with the limit shown in
 * the OpenAPI document as `maxLength`.
 */
export function text(options: { max: number; label?: string }) {
  return z
    .string({ error: typeError('Must be a string.') })
    .refine(isStorableText, 'Must not contain NUL characters or unpaired surrogates.')
    .refine(
      (value) => characterCount(value) <= options.max,
      `Must be at most ${options.max.toLocaleString('en-US')} characters.`,
    )
    .meta({ maxLength: options.max });
}
