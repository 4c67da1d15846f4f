import type { Database } from '@batchreel/db';
import type { FastifyInstance } from 'fastify';
import { authenticateApiKey } from '../accounts/authenticate';
import { ApiError } from '../http/errors';
import type { OwnEndpoint } from '../platform/outbound';
import {
  DEMO_RECEIVER_PATH,
  demoReceiverUrl,
  listDemoReceipts,
  receiveDemoWebhook,
} from './receiver';

/** A batch event is a few KiB; anything far larger is not one of ours. */
const MAX_BODY_BYTES = 256 * 1024;

/**
 * Serves the receiver: `POST /demo/webhook-receiver/{account_id}` takes deliveries (raw body,
 * verified before anything is parsed) and answers like a client's endpoint would (200 verified,
 * 400 with the reason, which the delivery log then shows); `GET /demo/webhook-receiver` with an
 * `X-API-Key` gives that account its receiver URL and what arrived there.
 */
export async function registerDemoReceiver(
  app: FastifyInstance,
  deps: { db: Database; endpoint: OwnEndpoint },
) {
  await app.register(async (scope) => {
    // Signatures are over the exact bytes sent: keep the body as text, whatever its type says.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(
      '*',
      { parseAs: 'string', bodyLimit: MAX_BODY_BYTES },
      (_request, body, done) => done(null, body),
    );

    scope.post<{ Params: { accountId: string } }>(
      `${DEMO_RECEIVER_PATH}:accountId`,
      async (request, reply) => {
        const body = typeof request.body === 'string' ? request.body : '';
        const outcome = await receiveDemoWebhook(
          deps.db,
          request.params.accountId,
          body,
          request.headers,
        );
        if (!outcome.verified) {
          request.log.info({ error: outcome.error }, 'demo webhook receiver refused a delivery');
          return reply
            .code(outcome.status)
            .send({ verified: false, error: outcome.error, message: outcome.message });
        }
        return reply.code(200).send({
          verified: true,
          event_id: outcome.eventId,
          type: outcome.eventType,
        });
      },
    );

    scope.get(DEMO_RECEIVER_PATH.slice(0, -1), async (request) => {
      const presented = request.headers['x-api-key'];
      if (presented === undefined || presented === '') {
        throw new ApiError('missing_api_key', 'Send your API key in the X-API-Key header.');
      }
      const principal =
        typeof presented === 'string' ? await authenticateApiKey(deps.db, presented) : null;
      if (!principal) {
        throw new ApiError('invalid_api_key', 'The API key is unknown or has been revoked.');
      }
      return {
        ok: true,
        url: demoReceiverUrl(deps.endpoint, principal.accountId),
        receipts: await listDemoReceipts(deps.db, principal.accountId),
      };
    });
  });
}
