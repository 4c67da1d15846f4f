import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyWebhook } from '@batchreel/webhooks';
import type { Rng } from './rng';

/** How the receiver answered one request. */
export type Answer = 'ok' | 'slow_ok' | 'error_500' | 'error_503' | 'hang' | 'reset';

const ANSWERS: readonly [Answer, number][] = [
  ['ok', 0.5],
  ['slow_ok', 0.1],
  ['error_500', 0.15],
  ['error_503', 0.05],
  ['hang', 0.1],
  ['reset', 0.1],
];

/** One event as the receiver saw it (verified, or not). */
export interface ReceivedEvent {
  accountIndex: number;
  eventId: string;
  type: string;
  batchId: string | null;
  answer: Answer;
}

/**
 * A client's webhook endpoint that flaps: it answers 200, answers slowly, fails with 500/503,
 * hangs, or resets the connection, at random (seeded). Every request is verified against the
 * account's signing secret (Standard Webhooks); the path says which account it is for
 * (`/hooks/{accountIndex}`).
 */
export async function startFlappingReceiver(rng: Rng) {
  const secrets = new Map<number, string>();
  const events: ReceivedEvent[] = [];
  const badSignatures: string[] = [];
  const answers: Record<Answer, number> = {
    ok: 0,
    slow_ok: 0,
    error_500: 0,
    error_503: 0,
    hang: 0,
    reset: 0,
  };
  const hanging = new Set<ServerResponse>();

  const choose = (): Answer => {
    let roll = rng.next();
    for (const [answer, weight] of ANSWERS) {
      roll -= weight;
      if (roll < 0) return answer;
    }
    return 'ok';
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const accountIndex = Number(/^\/hooks\/(\d+)$/.exec(req.url ?? '')?.[1] ?? Number.NaN);
      const secret = secrets.get(accountIndex);
      let event: { id: string; type?: string; data?: { batch_id?: string } } | null = null;
      try {
        if (!secret) throw new Error(`no account for path ${req.url}`);
        const verified = verifyWebhook<{ type?: string; data?: { batch_id?: string } }>({
          body,
          headers: req.headers,
          secret,
        });
        event = { id: verified.id, ...verified.payload };
      } catch (error) {
        badSignatures.push(`${req.url}: ${(error as Error).message}`);
      }
      const answer = choose();
      answers[answer]++;
      if (event) {
        events.push({
          accountIndex,
          eventId: event.id,
          type: event.type ?? '',
          batchId: event.data?.batch_id ?? null,
          answer,
        });
      }
      switch (answer) {
        case 'ok':
          res.writeHead(200).end('ok');
          return;
        case 'slow_ok':
          setTimeout(() => res.writeHead(200).end('ok, slowly'), rng.int(100, 400));
          return;
        case 'error_500':
          res.writeHead(500).end('flapping');
          return;
        case 'error_503':
          res.writeHead(503, { 'retry-after': '1' }).end('flapping');
          return;
        case 'hang':
          hanging.add(res);
          res.on('close', () => hanging.delete(res));
          return;
        case 'reset':
          req.socket.destroy();
          return;
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    urlFor: (accountIndex: number) => `http://127.0.0.1:${port}/hooks/${accountIndex}`,
    setSecret: (accountIndex: number, secret: string) => secrets.set(accountIndex, secret),
    events,
    badSignatures,
    answers,
    /** Requests received, verified or not. */
    received: () => Object.values(answers).reduce((sum, n) => sum + n, 0),
    /** Event ids the receiver answered with a 2xx at least once. */
    acknowledged: () =>
      new Set(
        events.filter((e) => e.answer === 'ok' || e.answer === 'slow_ok').map((e) => e.eventId),
      ),
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type FlappingReceiver = Awaited<ReturnType<typeof startFlappingReceiver>>;
