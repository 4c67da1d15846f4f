import { ApiError } from '../http/errors';
import { restPage, unknownCursor } from '../http/page';
import { defineRoute } from '../http/route';
import { isUuid } from '../platform/ids';
import { redeliver } from './delivery';
import { getDelivery, listDeliveries } from './read';
import {
  DeliveryIdParamsSchema,
  DeliveryListQuerySchema,
  RotateSecretRequestSchema,
  SigningSecretSchema,
  WebhookDeliveryPageSchema,
  WebhookDeliveryResponseSchema,
} from './schemas';
import { rotateSigningSecret, signingSecrets, signingSecretView } from './secrets';
import { deliveryBody } from './wire';

const deliveryNotFound = (id: string) =>
  new ApiError('not_found', `No webhook delivery ${id} for this account.`);

export const webhookRoutes = [
  defineRoute({
    method: 'GET',
    path: '/api/enterprise/webhook-secret',
    operationId: 'getWebhookSecret',
    tag: 'Webhooks',
    summary: 'Your webhook signing secret',
    description:
      'The `whsec_...` secret that signs every delivery (Standard Webhooks). Created on first use; keep it server-side.',
    responses: { 200: { description: 'The current secret.', schema: SigningSecretSchema } },
    errors: [],
    async handler({ principal, deps }) {
      return {
        status: 200,
        body: signingSecretView(await signingSecrets(deps.db, principal.accountId)),
      };
    },
  }),

  defineRoute({
    method: 'POST',
    path: '/api/enterprise/webhook-secret/rotate',
    operationId: 'rotateWebhookSecret',
    tag: 'Webhooks',
    summary: 'Rotate the signing secret',
    description:
      'Makes a new secret current. The old one keeps signing for `overlap_seconds` (deliveries carry both signatures), so you can deploy the new secret without missing a delivery. Every call rotates.',
    body: RotateSecretRequestSchema,
    responses: { 200: { description: 'The new secret.', schema: SigningSecretSchema } },
    errors: [],
    async handler({ principal, body, deps }) {
      const secrets = await rotateSigningSecret(deps.db, principal.accountId, {
        overlapSeconds: body.overlap_seconds,
        actor: `api_key:${principal.keyPrefix}`,
      });
      return { status: 200, body: signingSecretView(secrets) };
    },
  }),

  defineRoute({
    method: 'GET',
    path: '/api/enterprise/webhook-deliveries',
    operationId: 'listWebhookDeliveries',
    tag: 'Webhooks',
    summary: 'Webhook deliveries and their attempts',
    description:
      'Every event sent (or being sent) to your webhook URLs, newest first, with each attempt: time, status code, latency, error and the start of your answer.',
    query: DeliveryListQuerySchema,
    responses: {
      200: { description: 'A page of deliveries.', schema: WebhookDeliveryPageSchema },
    },
    errors: [],
    async handler({ principal, query, deps }) {
      // An unknown or foreign batch id simply matches nothing.
      if (query.batch_id !== undefined && !isUuid(query.batch_id)) {
        return { status: 200, body: restPage({ items: [], nextCursor: null }, deliveryBody) };
      }
      const batch = query.batch_id;
      const page = await listDeliveries(deps.db, {
        ...query,
        accountId: principal.accountId,
        batches: batch === undefined ? undefined : { lowest: batch, highest: batch },
      });
      if (page === 'bad_cursor') throw unknownCursor();
      return { status: 200, body: restPage(page, deliveryBody) };
    },
  }),

  defineRoute({
    method: 'GET',
    path: '/api/enterprise/webhook-deliveries/{id}',
    operationId: 'getWebhookDelivery',
    tag: 'Webhooks',
    summary: 'One webhook delivery',
    description: 'A delivery with every attempt, oldest first.',
    params: DeliveryIdParamsSchema,
    responses: {
      200: { description: 'The delivery.', schema: WebhookDeliveryResponseSchema },
    },
    errors: ['not_found'],
    async handler({ principal, params, deps }) {
      const delivery = await getDelivery(deps.db, principal.accountId, params.id);
      if (!delivery) throw deliveryNotFound(params.id);
      return { status: 200, body: { ok: true as const, delivery: deliveryBody(delivery) } };
    },
  }),

  defineRoute({
    method: 'POST',
    path: '/api/enterprise/webhook-deliveries/{id}/redeliver',
    operationId: 'redeliverWebhook',
    tag: 'Webhooks',
    summary: 'Send an event again',
    description:
      'One immediate attempt with the same event id and payload (signed afresh), e.g. after fixing your endpoint. Refused with `409` while the delivery is still `pending`.',
    params: DeliveryIdParamsSchema,
    responses: {
      202: {
        description: 'Queued; the delivery as it is now.',
        schema: WebhookDeliveryResponseSchema,
      },
    },
    errors: ['not_found', 'delivery_in_progress'],
    async handler({ principal, params, deps }) {
      if (!isUuid(params.id)) throw deliveryNotFound(params.id);
      const outcome = await redeliver(deps.db, deps.queue, params.id, {
        accountId: principal.accountId,
        actor: `api_key:${principal.keyPrefix}`,
      });
      if (outcome === 'not_found') throw deliveryNotFound(params.id);
      if (outcome === 'in_progress') {
        throw new ApiError(
          'delivery_in_progress',
          `Delivery ${params.id} is still pending: its retries are running. Redeliver once it is delivered or failed.`,
        );
      }
      const delivery = await getDelivery(deps.db, principal.accountId, params.id);
      if (!delivery) throw deliveryNotFound(params.id);
      return { status: 202, body: { ok: true as const, delivery: deliveryBody(delivery) } };
    },
  }),
];
