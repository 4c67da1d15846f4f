import { z } from 'zod';
import { TimestampSchema } from '../platform/wire';

export const TaskIdParamsSchema = z.object({
  id: z.string().meta({ description: "The `task_id` of a task (from the batch's task list)." }),
});

/** The answer of `GET /videos/{id}`: a redirect, described in the body too. */
export const VideoRedirectSchema = z
  .object({
    ok: z.literal(true),
    task_id: z.uuid(),
    url: z.string().meta({
      description:
        'The signed download (also in `Location`): works without your API key until `expires_at`; ask again for a fresh one.',
    }),
    expires_at: TimestampSchema,
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    size_bytes: z.int(),
    content_type: z.string(),
    filename: z.string(),
  })
  .meta({ id: 'VideoRedirect' });

export const ManifestQuerySchema = z.strictObject({});

/** Bytes of a download, for the OpenAPI document. */
export const binary = (description: string) => z.string().meta({ format: 'binary', description });
