import type { KeyObject } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Database } from '@batchreel/db';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { Storage } from '../platform/object-store';
import type { WebhookTargetPolicy } from '../platform/outbound';
import type { Queue } from '../platform/queue';
import type { ErrorCode } from './errors';

/**
 * Who calls: the account an API key acts for, as the server's authentication hook resolved it
 * (`authenticateApiKey` in accounts/, wired in app/enterprise-api.ts).
 */
export interface Principal {
  /** The API key's id: batches it submits count against its budgets and its project's. */
  keyId: string;
  accountId: string;
  accountName: string;
  /** The key's display prefix, safe to log and to record as an actor. */
  keyPrefix: string;
}

/** What a route handler gets: the caller, the validated input and the app's dependencies. */
export interface RouteContext<Body, Query, Params> {
  principal: Principal;
  body: Body;
  query: Query;
  params: Params;
  /** The request's id (`X-Request-ID` when the client sent one). */
  requestId: string;
  /** The client's `X-Request-ID`, when it sent one (the idempotency key). */
  clientRequestId: string | null;
  /**
   * The address of this service as the client reaches it (`PUBLIC_BASE_URL`, else the request's
   * own scheme and host), for the links an answer carries.
   */
  baseUrl: string;
  rawBody: unknown;
  request: FastifyRequest;
  reply: FastifyReply;
  deps: RouteDeps;
}

export interface RouteDeps {
  db: Database;
  queue: Queue;
  config: WebhookTargetPolicy;
  /** Where the videos are kept, and how long their signed downloads work. */
  storage: Storage;
  /** `PUBLIC_BASE_URL`; null: links use the address of the request. */
  publicBaseUrl: string | null;
  /** Signs statements (the same key as the admin's downloads). */
  statementKey: KeyObject;
}

/** A download instead of JSON (a statement as CSV or PDF): its bytes, type and file name. */
export interface FileResult {
  status: 200;
  file: { contentType: string; bytes: Buffer; fileName: string };
  headers?: Record<string, string>;
}

/** A route's success answers by status code, each with the schema its body is checked against. */
export type RouteResponses = Record<
  number,
  {
    description: string;
    schema: z.ZodType;
    headers?: Record<string, string>;
    /**
     * A download rather than JSON (`text/csv`, `application/zip`, …): the handler answers with a
     * stream, and `schema` only describes the bytes for the OpenAPI document.
     */
    download?: string;
  }
>;

/**
 * An answer of a route: one of its declared statuses, with a body that type-checks against that
 * status's schema (`z.input`: what the schema accepts, before defaults), and optional headers.
 */
export type RouteResult<Responses extends RouteResponses = RouteResponses> = {
  [Status in keyof Responses & number]: {
    status: Status;
    body: Responses[Status] extends { download: string }
      ? Readable
      : z.input<Responses[Status]['schema']>;
    headers?: Record<string, string>;
  };
}[keyof Responses & number];

/**
 * One public REST route, described once: the server registers it from this and the OpenAPI
 * document is generated from the very same schemas, so the two cannot drift apart.
 */
export interface EnterpriseRoute<
  Body extends z.ZodType = z.ZodType,
  Query extends z.ZodType = z.ZodType,
  Params extends z.ZodType = z.ZodType,
  Responses extends RouteResponses = RouteResponses,
> {
  method: 'GET' | 'POST';
  /** OpenAPI-style path, e.g. `/api/enterprise/video-batch/{id}`. */
  path: string;
  operationId: string;
  summary: string;
  description: string;
  tag: 'Batches' | 'Videos' | 'Account' | 'Finance' | 'Webhooks';
  body?: Body;
  query?: Query;
  params?: Params;
  /** Whether `X-Request-ID` makes this route idempotent (documented as such). */
  idempotent?: boolean;
  /** Success responses by status code. */
  responses: Responses;
  /** Error codes this route can answer with beyond the ones every route can. */
  errors: ErrorCode[];
  /** Other media types its 200 may answer with (a {@link FileResult}), with what each is. */
  files?: Record<string, string>;
  handler(
    context: RouteContext<z.infer<Body>, z.infer<Query>, z.infer<Params>>,
  ): Promise<RouteResult<NoInfer<Responses>> | FileResult>;
}

/**
 * Checks a route's handler against its own schemas (input types from `body`, `query`, `params`;
 * each answer's body against the schema of its status), then erases those types so that routes
 * can be listed together.
 */
export function defineRoute<
  Body extends z.ZodType,
  Query extends z.ZodType,
  Params extends z.ZodType,
  const Responses extends RouteResponses,
>(route: EnterpriseRoute<Body, Query, Params, Responses>): EnterpriseRoute {
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
