import { LIMITS, WEBHOOK_EVENTS } from '@batchreel/contracts';
import { z } from 'zod';
import {
  createDocument,
  type ZodOpenApiOperationObject,
  type ZodOpenApiPathsObject,
} from 'zod-openapi';
import {
  BalanceLowEventSchema,
  BudgetThresholdEventSchema,
  ExceededBudgetSchema,
} from '../finance/schemas';
import { ERROR_CODES, type ErrorCode } from '../http/errors';
import { BODY_ERRORS, COMMON_ERRORS, type EnterpriseRoute } from '../http/route';
import { ErrorResponseSchema, InsufficientCreditsResponseSchema } from '../http/schemas';
import { WebhookEventSchema } from '../webhooks/schemas';

/** The `402 budget_exceeded` envelope: the tightest hard cap the batch would cross. */
export const BudgetExceededResponseSchema = ErrorResponseSchema.extend({
  required_credits: z.int().meta({ description: 'What the whole batch costs.' }),
  budget: ExceededBudgetSchema,
}).meta({ id: 'BudgetExceededResponse' });

/** What each webhook event's body is (batch events carry the batch; alerts their figures). */
const EVENT_SCHEMAS: Record<string, z.ZodType> = {
  'budget.threshold_crossed': BudgetThresholdEventSchema,
  'balance.low': BalanceLowEventSchema,
};

/** The 402 body of a route: either refusal it can answer with. */
function paymentRequiredSchema(codes: ErrorCode[]) {
  const budget = codes.includes('budget_exceeded');
  const credits = codes.includes('insufficient_credits');
  if (budget && credits)
    return z.union([InsufficientCreditsResponseSchema, BudgetExceededResponseSchema]);
  return budget ? BudgetExceededResponseSchema : InsufficientCreditsResponseSchema;
}

const RequestIdHeaderSchema = z
  .string()
  .regex(/^[\x21-\x7e]{1,255}$/)
  .meta({
    description:
      'Your id for this request (≤ 255 printable characters), echoed in the answer and logs. On `POST /video-batch` it is the idempotency key, remembered for 24 hours.',
    example: 'demo-1234567890',
  });

function errorResponses(route: EnterpriseRoute) {
  const codes = [
    ...COMMON_ERRORS,
    ...(route.method === 'POST' ? BODY_ERRORS : []),
    ...route.errors,
  ];
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of new Set(codes)) {
    const { status } = ERROR_CODES[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return Object.fromEntries(
    [...byStatus.entries()]
      .sort(([a], [b]) => a - b)
      .map(([status, list]) => [
        String(status),
        {
          description: list
            .map((code) => `\`${code}\`: ${ERROR_CODES[code].description}`)
            .join(' '),
          ...(status === 429 || status === 503
            ? {
                headers: {
                  'Retry-After': {
                    schema: { type: 'integer' as const },
                    description: 'Seconds to wait.',
                  },
                },
              }
            : {}),
          content: {
            'application/json': {
              schema: status === 402 ? paymentRequiredSchema(list) : ErrorResponseSchema,
            },
          },
        },
      ]),
  );
}

function operation(route: EnterpriseRoute): ZodOpenApiOperationObject {
  return {
    operationId: route.operationId,
    summary: route.summary,
    description: route.description,
    tags: [route.tag],
    requestParams: {
      ...(route.params ? { path: route.params as z.ZodObject } : {}),
      ...(route.query ? { query: route.query as z.ZodObject } : {}),
      header: z.object({ 'x-request-id': RequestIdHeaderSchema.optional() }),
    },
    ...(route.body
      ? { requestBody: { required: true, content: { 'application/json': { schema: route.body } } } }
      : {}),
    responses: {
      ...Object.fromEntries(
        Object.entries(route.responses).map(([status, response]) => [
          status,
          {
            description: response.description,
            headers: {
              'X-Request-ID': {
                schema: { type: 'string' as const },
                description: 'The request id.',
              },
              ...(Number(status) === 200 && route.files
                ? {
                    'X-Batchreel-Signature': {
                      schema: { type: 'string' as const },
                      description:
                        'On a CSV or PDF download: `ed25519=<base64>`, the signature of the file’s bytes (check it with the statement public key).',
                    },
                    'X-Batchreel-Key-Id': {
                      schema: { type: 'string' as const },
                      description: 'The id of the key that signed it.',
                    },
                  }
                : {}),
              ...(route.idempotent
                ? {
                    'Idempotent-Replayed': {
                      schema: { type: 'string' as const, enum: ['true'] },
                      description: 'Present on a replayed answer.',
                    },
                  }
                : {}),
            },
            content: {
              [response.download ?? 'application/json']: { schema: response.schema },
              ...(Number(status) === 200 && route.files
                ? Object.fromEntries(
                    Object.entries(route.files).map(([mediaType, description]) => [
                      mediaType,
                      { schema: z.string().meta({ description, format: 'binary' }) },
                    ]),
                  )
                : {}),
            },
          },
        ]),
      ),
      ...errorResponses(route),
    },
  };
}

/** The OpenAPI 3.1 document of the public REST API, generated from the routes' own zod schemas. */
export function buildOpenApiDocument(routes: EnterpriseRoute[]) {
  const paths: ZodOpenApiPathsObject = {};
  for (const route of routes) {
    const method = route.method.toLowerCase() as 'get' | 'post';
    paths[route.path] = { ...paths[route.path], [method]: operation(route) };
  }
  return createDocument({
    openapi: '3.1.0',
    info: {
      title: 'Batchreel API',
      version: '1.0.0',
      description: [
        'Submit 1 to 10,000 video prompts in one request. Batchreel quotes the batch before anything runs and refuses with `402` when the account cannot pay;',
        'a worker pre-deducts the credits, runs every task, refunds every task that fails, settles the batch and notifies your webhook. You pay only for videos that succeeded.',
        '',
        `Authenticate with \`X-API-Key\`. Errors share one envelope: \`{ ok: false, error: { code, message, details: [{ path, message }] }, request_id }\`.`,
        `Limits: ${LIMITS.maxItems.toLocaleString('en-US')} items per batch, prompts up to ${LIMITS.maxPromptChars.toLocaleString('en-US')} characters, bodies up to ${LIMITS.maxBodyBytes / 1024 / 1024} MiB, and a per-key rate limit (\`429\` with \`Retry-After\`).`,
      ].join('\n'),
    },
    tags: [
      {
        name: 'Batches',
        description:
          'Submit, quote, follow and cancel batches; download their results; retry their failed tasks.',
      },
      {
        name: 'Videos',
        description:
          "Every succeeded video is kept by Batchreel with its SHA-256 and size until the account's retention period ends; a task's `video_url` redirects to a short-lived signed download.",
      },
      { name: 'Account', description: 'Credits: balance and statement.' },
      {
        name: 'Finance',
        description:
          'Finance controls, read-only for the account: projects, budget caps per calendar month with their use, the alerts that fired, and signed monthly statements (JSON, CSV, PDF). Caps and alert settings are changed by finance in the admin.',
      },
      {
        name: 'Webhooks',
        description:
          "Events POSTed to a batch's `webhook_url`, signed per Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256 of id.timestamp.body>`) with your `whsec_` secret; retried with growing delays for over a day; every attempt recorded.",
      },
    ],
    components: {
      securitySchemes: { ApiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' } },
    },
    security: [{ ApiKey: [] }],
    paths,
    webhooks: Object.fromEntries(
      Object.entries(WEBHOOK_EVENTS).map(([type, when]) => [
        type,
        {
          post: {
            summary: type,
            description: `${when} Verify the signature over the raw body before trusting it; answer 2xx within 10 s (anything else, a redirect included, is retried).`,
            tags: ['Webhooks'],
            security: [],
            requestBody: {
              content: {
                'application/json': { schema: EVENT_SCHEMAS[type] ?? WebhookEventSchema },
              },
            },
            responses: { 200: { description: 'Any 2xx acknowledges the event.' } },
          },
        },
      ]),
    ),
  });
}
