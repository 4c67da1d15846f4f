/**
 * `@batchreel/client`: a typed client for the Batchreel public REST API, plus the webhook
 * verification helpers a receiver needs. Uses the global `fetch` only.
 */

export type {
  VerifiedWebhook,
  VerifyInput,
  WebhookVerificationErrorCode,
} from '@batchreel/webhooks';
export { verifyWebhook, WebhookVerificationError } from '@batchreel/webhooks';
export { BatchreelClient, type ClientOptions, type Exchange } from './client';
export { BatchreelApiError, type ErrorDetail } from './errors';
export * from './types';
