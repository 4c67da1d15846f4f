import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * Checks the staff session of a plain HTTP request (a download the browser follows): the staff
 * member when they hold the role the guard was made for, or `null` once it has answered 401/403.
 * Made in `app/admin-app.ts`, so that the routes taking it need not know the staff domain.
 */
export type StaffGuard = (
  request: FastifyRequest,
  reply: FastifyReply,
) => Promise<{ id: string } | null>;
