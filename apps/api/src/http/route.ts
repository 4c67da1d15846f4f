import type { Database } from '@batchreel/db';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { ApiKeyPrincipal } from '../accounts/authenticate';
import type { WebhookTargetPolicy } from '../platform/outbound';
import type { Queue } from '../platform/queue';
import type { ErrorCode } from './errors';

/** What a route handler gets: the caller, the validated input and the app's dependencies. */
export interface RouteContext<Body, Query, Params> {
  principal: ApiKeyPrincipal;
  body: Body;
  query: Query;
  params: Params;
  /** The request's id (`X-Request-ID` when the client sent one). */
  requestId: string;
  /** The client's `X-Request-ID`, when it sent one (the idempotency key). */
  clientRequestId: string | null;
  rawBody: unknown;
  request: FastifyRequest;
  reply: FastifyReply;
  deps: RouteDeps;
}

export interface RouteDeps {
  db: Database;
  queue: Queue;
  config: WebhookTargetPolicy;
}

/** An answer: status, JSON body and optional headers. */
export interface RouteResult {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/**
 * One public REST route, described once: the server registers it from this and the OpenAPI
 * document is generated from the very same schemas, so the two cannot drift apart.
 */
export interface EnterpriseRoute<
  Body extends z.ZodType = z.ZodType,
  Query extends z.ZodType = z.ZodType,
  Params extends z.ZodType = z.ZodType,
> {
  method: 'GET' | 'POST';
  /** OpenAPI-style path, e.g. `/api/enterprise/video-batch/{id}`. */
  path: string;
  operationId: string;
  summary: string;
  description: string;
  tag: 'Batches' | 'Account' | 'Webhooks';
  body?: Body;
  query?: Query;
  params?: Params;
  /** Whether `X-Request-ID` makes this route idempotent (documented as such). */
  idempotent?: boolean;
  /** Success responses by status code. */
  responses: Record<
    number,
    { description: string; schema: z.ZodType; headers?: Record<string, string> }
  >;
  /** Error codes this route can answer with beyond the ones every route can. */
  errors: ErrorCode[];
  handler(
    context: RouteContext<z.infer<Body>, z.infer<Query>, z.infer<Params>>,
  ): Promise<RouteResult>;
}

/** Keeps the generic types of each route while collecting them in one list. */
export function defineRoute<
  Body extends z.ZodType,
  Query extends z.ZodType,
  Params extends z.ZodType,
>(route: EnterpriseRoute<Body, Query, Params>): EnterpriseRoute {
  return route as unknown as EnterpriseRoute;
}

/** Errors any authenticated route can answer with. */
export const COMMON_ERRORS: ErrorCode[] = [
  'missing_api_key',
  'invalid_api_key',
  'invalid_request',
  'rate_limited',
  'internal_error',
  'service_unavailable',
];

/**
 * Errors any POST route can answer with, whether or not it takes a body: the body parser runs
 * before the route, so a malformed, oversized or non-JSON body is refused on every POST.
 */
export const BODY_ERRORS: ErrorCode[] = [
  'invalid_json',
  'payload_too_large',
  'unsupported_media_type',
];
