import type { AppRouter } from '@batchreel/api/trpc';
import { httpBatchLink } from '@trpc/client';
import { createTRPCReact } from '@trpc/react-query';
import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import superjson from 'superjson';

/** Typed hooks for every admin procedure. Only the router's type comes from the server package. */
export const trpc = createTRPCReact<AppRouter>();

export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;

/**
 * The server refuses tRPC requests without this header (its CSRF guard: a cross-site form cannot
 * set a custom header), and the session rides in an HTTP-only same-site cookie.
 */
export const CSRF_HEADER = { 'x-batchreel-admin': '1' } as const;

export function createTrpcClient() {
  return trpc.createClient({
    links: [
      httpBatchLink({
        url: '/trpc',
        // Same transformer as the server: Date filters go in and timestamps come out as Dates.
        transformer: superjson,
        headers: () => CSRF_HEADER,
        // Long query inputs (a quote of many prompts) would not fit one URL: split batches early.
        maxURLLength: 4000,
        fetch: (input, init) => fetch(input, { ...init, credentials: 'same-origin' }),
      }),
    ],
  });
}
