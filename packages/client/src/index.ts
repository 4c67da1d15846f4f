/**
 * `@batchreel/client`: a typed client for the Batchreel public REST API, plus the webhook
 * verification helpers a receiver needs. Uses the global `fetch` only.
 */

// The vocabulary the API, the admin and this client share: statuses, error codes, limits.
export * from '@batchreel/contracts';
export type {
  VerifiedWebhook,
  VerifyInput,
  WebhookVerificationErrorCode,
} from '@batchreel/webhooks';
export { verifyWebhook, WebhookVerificationError } from '@batchreel/webhooks';
export { BatchreelClient, type ClientOptions, type Exchange } from './client';
export { BatchreelApiError, type ErrorDetail } from './errors';
export * from './types';
