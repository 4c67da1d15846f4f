// The demo webhook receiver's own routes (not part of the public API, so not in the typed
// client): typed answers for the tests that read or post to it.
import type { ErrorResponse } from '@batchreel/client';
import { expect } from 'vitest';
import type { listDemoReceipts } from '../../src/demo/receiver';
import { type ApiTarget, DEMO_KEY } from './scenarios';

/** One delivery as the receiver got it. */
export type DemoReceipt = Awaited<ReturnType<typeof listDemoReceipts>>[number];

/** `GET /demo/webhook-receiver`: the account's receiver URL and what arrived there, newest first. */
export interface DemoReceiverView {
  ok: true;
  url: string;
  receipts: DemoReceipt[];
}

/** The receiver's answer to a delivery, as a client's endpoint would answer. */
export type DemoDeliveryAnswer =
  | { verified: true; event_id: string; type: string }
  | { verified: false; error: string; message: string };

async function getReceiver(target: ApiTarget, key: string) {
  const response = await fetch(`${target.baseUrl}/demo/webhook-receiver`, {
    headers: { 'x-api-key': key },
  });
  return { status: response.status, body: (await response.json()) as unknown };
}

/** What `key`'s account sees of its receiver (expects `200`). */
export async function demoReceiverView(
  target: ApiTarget,
  key = DEMO_KEY,
): Promise<DemoReceiverView> {
  const { status, body } = await getReceiver(target, key);
  expect(status, JSON.stringify(body)).toBe(200);
  return body as DemoReceiverView;
}

/** The refusal of a receiver read without a valid key: the status and the error envelope. */
export async function demoReceiverRefusal(
  target: ApiTarget,
  key: string,
): Promise<{ status: number; body: ErrorResponse }> {
  const { status, body } = await getReceiver(target, key);
  expect(status, JSON.stringify(body)).toBeGreaterThanOrEqual(400);
  return { status, body: body as ErrorResponse };
}

/** Posts a (signed or not) delivery to a receiver path, as the worker would. */
export async function postToDemoReceiver(
  target: ApiTarget,
  path: string,
  delivery: { body: string; headers: Record<string, string> },
): Promise<{ status: number; body: DemoDeliveryAnswer }> {
  const response = await fetch(`${target.baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...delivery.headers },
    body: delivery.body,
  });
  return { status: response.status, body: (await response.json()) as DemoDeliveryAnswer };
}
