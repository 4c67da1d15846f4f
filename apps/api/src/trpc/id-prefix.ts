import { z } from 'zod';
import { type IdPrefixRange, idPrefixRange } from '../platform/ids';

/**
 * An id filter of the admin: a whole id or its start (the 8 characters the admin shows), parsed
 * into the range of ids it covers; anything else is a BAD_REQUEST naming the field.
 */
export const IdPrefixInput = z
  .string()
  .max(36)
  .transform((value, ctx): IdPrefixRange => {
    const range = idPrefixRange(value);
    if ('problem' in range) {
      ctx.addIssue({ code: 'custom', message: range.problem });
      return z.NEVER;
    }
    return range;
  });
