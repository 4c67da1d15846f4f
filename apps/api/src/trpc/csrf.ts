import type { IncomingHttpHeaders } from 'node:http';

/**
 * A header every admin request must carry. A cross-site form or image cannot set a custom header,
 * and a cross-site script cannot without a CORS preflight we never answer, so together with the
 * SameSite=Strict session cookie this makes the admin API CSRF-safe.
 */
export const CSRF_HEADER = 'x-batchreel-admin';

export const hasCsrfHeader = (headers: IncomingHttpHeaders) => headers[CSRF_HEADER] === '1';
