import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  /** The raw body exactly as received (what a signature is verified over). */
  body: string;
  /** The parsed body's `type` and `id`, for routing in tests. */
  type: string;
  eventId: string;
  at: number;
}

/** What the receiver does with a request: answer with a status (and headers) or never answer. */
export type Reply = number | { status: number; headers?: Record<string, string> } | 'hang';

/**
 * A client's webhook endpoint for tests: a real HTTP server that records every request and
 * answers as the test scripts it (per event type and per delivery count of that event).
 */
export async function startWebhookReceiver(
  options: { host?: string; reply?: (request: ReceivedWebhook, nthOfEvent: number) => Reply } = {},
) {
  const received: ReceivedWebhook[] = [];
  const hanging = new Set<import('node:http').ServerResponse>();
  let reply = options.reply ?? (() => 200);
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let parsed: { type?: string; id?: string } = {};
      try {
        parsed = JSON.parse(body);
      } catch {}
      const entry: ReceivedWebhook = {
        headers: req.headers,
        body,
        type: parsed.type ?? '',
        eventId: parsed.id ?? '',
        at: Date.now(),
      };
      received.push(entry);
      const nth = received.filter((r) => r.eventId === entry.eventId).length;
      const answer = reply(entry, nth);
      if (answer === 'hang') {
        hanging.add(res);
        res.on('close', () => hanging.delete(res));
        return;
      }
      const { status, headers } = typeof answer === 'number' ? { status: answer } : answer;
      res.writeHead(status, { 'content-type': 'text/plain', ...headers });
      res.end(`answer ${status} to ${entry.type} #${nth}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, options.host ?? '127.0.0.1', resolve));
  const { port, address } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  return {
    url: `http://${host}:${port}/hooks/batchreel`,
    port,
    received,
    /** Requests for one event type, in arrival order. */
    of: (type: string) => received.filter((r) => r.type === type),
    setReply(next: typeof reply) {
      reply = next;
    },
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type WebhookReceiver = Awaited<ReturnType<typeof startWebhookReceiver>>;

/** Polls until `check` returns a value (not undefined, null or false) or the deadline passes. */
export async function eventually<T>(
  check: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  timeoutMs = 20_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== null && value !== false) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
