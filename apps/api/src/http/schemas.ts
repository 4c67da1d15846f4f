import { z } from 'zod';
import { ERROR_CODES, type ErrorCode } from './errors';

export const ErrorDetailSchema = z
  .object({
    path: z.string().meta({
      description: 'Where the problem is, e.g. `items[3].model`; empty for the whole body.',
    }),
    message: z.string(),
  })
  .meta({ id: 'ErrorDetail' });

const codes = Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]];

/** The docs/product.md §3 error envelope. Some errors add top-level fields (see the 402). */
export const ErrorResponseSchema = z
  .object({
    ok: z.literal(false),
    error: z.object({
      code: z.enum(codes).meta({
        description: Object.entries(ERROR_CODES)
          .map(([code, { status, description }]) => `- \`${code}\` (${status}): ${description}`)
          .join('\n'),
      }),
      message: z.string().meta({ description: 'A sentence for people; do not parse it.' }),
      details: z.array(ErrorDetailSchema),
    }),
    request_id: z.string().meta({ description: 'Echo of `X-Request-ID`, or the id we assigned.' }),
  })
  .meta({ id: 'ErrorResponse' });

export const InsufficientCreditsResponseSchema = ErrorResponseSchema.extend({
  required_credits: z.int(),
  available_credits: z.int(),
}).meta({ id: 'InsufficientCreditsResponse' });
