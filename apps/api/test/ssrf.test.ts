// The SSRF guard (docs/product.md §6, issue 5): webhook URLs are chosen by clients, so while
// WEBHOOK_ALLOW_PRIVATE_NETWORKS is false no request may reach loopback, private, link-local,
// unique-local, CGNAT, multicast or unspecified addresses — in any spelling, after DNS, or via a
// redirect. "Nothing reaches the target" is checked with real listening sockets that count
// every TCP connection, and positive controls prove those sockets are reachable.
import { createServer as createHttpServer } from 'node:http';
import { type AddressInfo, createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../src/platform/logger';
import {
  addressRange,
  blockedHostReason,
  createOutboundClient,
  isOwnEndpoint,
  type LookupFunction,
  type OutboundPolicy,
  type OwnEndpoint,
} from '../src/platform/outbound';
import { attemptDelivery } from '../src/webhooks/delivery';
import { startTestApp, type TestApp } from './helpers';
import { expectNothingWritten, snapshotDatabase } from './support/db-snapshot';
import { demoReceiverView } from './support/demo-receiver';
import { clientOf, prompts, refusal, submitBatch } from './support/scenarios';
import { eventually } from './support/webhook-receiver';

/** A one-item batch with `webhook_url`, as the demo account, refused or admitted. */
async function createBatchWithWebhook(t: TestApp, webhookUrl: string) {
  const api = await clientOf(t);
  return api.createBatch({
    items: [{ prompt: 'A cat', model: 'sora-2' }],
    webhook_url: webhookUrl,
  });
}

/** A TCP listener that counts connections: the "target" an attacker wants to reach. */
async function startTarget(host: string) {
  let connections = 0;
  const sockets = new Set<import('node:net').Socket>();
  const server: Server = createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.end('HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok');
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return {
    port: (server.address() as AddressInfo).port,
    get connections() {
      return connections;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A resolver that answers from a table (a name the attacker points at a private address). */
const fakeDns =
  (table: Record<string, string[]>, calls: string[] = []): LookupFunction =>
  (hostname, _options, callback) => {
    calls.push(hostname);
    const addresses = table[hostname];
    if (!addresses) {
      callback(
        Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }),
        [],
      );
      return;
    }
    callback(
      null,
      addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
    );
  };

const STRICT: OutboundPolicy = { allowPrivateNetworks: false };

/** Every spelling of a blocked address we know, as a URL host (`PORT` is filled in per test). */
const LOOPBACK_V4_FORMS = [
  '127.0.0.1',
  '0', // 0.0.0.0, which Linux connects to this machine
  '0.0.0.0',
  '017700000001', // octal
  '2130706433', // decimal
  '0x7f000001', // hex
  '0x7f.0.0.1',
  '0177.0.0.1',
  '127.1',
  '127.000.000.001',
  'localhost',
  'LOCALHOST.',
  'app.localhost',
];
const LOOPBACK_V6_FORMS = [
  '[::1]',
  '[0:0:0:0:0:0:0:1]',
  '[::ffff:127.0.0.1]',
  '[::ffff:7f00:1]',
  '[::]',
  '[::127.0.0.1]',
];
const OTHER_BLOCKED = [
  '169.254.169.254', // cloud metadata
  '[fe80::1]',
  '10.0.0.1',
  '172.16.0.1',
  '172.31.255.255',
  '192.168.1.1',
  '100.64.0.1', // CGNAT
  '[fc00::1]',
  '[fd12:3456::1]',
  '224.0.0.1',
  '[ff02::1]',
  '255.255.255.255',
  '[::ffff:169.254.169.254]',
  '[::ffff:10.0.0.1]',
  '[64:ff9b::a9fe:a9fe]', // NAT64 of 169.254.169.254
  '[2002:7f00:1::]', // 6to4 of 127.0.0.1
];

describe('address classification', () => {
  it('refuses every blocked spelling without DNS and lets public addresses through', () => {
    for (const host of [...LOOPBACK_V4_FORMS, ...LOOPBACK_V6_FORMS, ...OTHER_BLOCKED]) {
      const reason = blockedHostReason(new URL(`https://${host}/hook`), STRICT);
      expect(reason, host).toMatch(/public address/);
    }
    for (const host of [
      '8.8.8.8',
      '[2606:4700:4700::1111]',
      'hooks.customer.example',
      'localhost.example.com',
    ]) {
      expect(blockedHostReason(new URL(`https://${host}/hook`), STRICT), host).toBeNull();
    }
    expect(addressRange('100.64.0.1')).toBe('carrierGradeNat');
    expect(addressRange('::ffff:127.0.0.1')).toBe('loopback');
    expect(
      blockedHostReason(new URL('https://127.0.0.1/'), { allowPrivateNetworks: true }),
    ).toBeNull();
  });
});

describe('at admission (WEBHOOK_ALLOW_PRIVATE_NETWORKS=false)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ config: { allowPrivateNetworks: false } });
  });
  afterAll(() => t?.close());

  it('answers 422 naming webhook_url for every blocked form, and writes nothing', async () => {
    const before = await snapshotDatabase(t.db);
    for (const host of [...LOOPBACK_V4_FORMS, ...LOOPBACK_V6_FORMS, ...OTHER_BLOCKED]) {
      const refused = await refusal(createBatchWithWebhook(t, `https://${host}:8443/hook`));
      expect(refused.status, host).toBe(422);
      expect(refused.code).toBe('invalid_request');
      expect(refused.details, host).toEqual([
        { path: 'webhook_url', message: expect.stringMatching(/public address/) },
      ]);
    }
    const http = await refusal(createBatchWithWebhook(t, 'http://hooks.customer.example/hook'));
    expect(http.details).toEqual([{ path: 'webhook_url', message: 'Must use https.' }]);
    await expectNothingWritten(t.db, before);
  });

  it('admits a public host name (it is judged again, after DNS, at delivery)', async () => {
    await submitBatch(t, ['A cat'], { webhook_url: 'https://hooks.customer.example/hook' });
  });
});

describe('at delivery: nothing reaches a blocked target', () => {
  let t: TestApp;
  const logger = createLogger({ LOG_LEVEL: 'silent' });
  const targets: Awaited<ReturnType<typeof startTarget>>[] = [];
  let v4: Awaited<ReturnType<typeof startTarget>>;
  let v6: Awaited<ReturnType<typeof startTarget>>;
  let accountId: string;

  beforeAll(async () => {
    t = await startTestApp({ config: { allowPrivateNetworks: false } });
    v4 = await startTarget('127.0.0.1');
    v6 = await startTarget('::1');
    targets.push(v4, v6);
    accountId = (await t.db.account.findFirstOrThrow()).id;
  });
  afterAll(async () => {
    await t?.close();
    for (const target of targets) await target.close();
  });

  /** A delivery row for `url`, attempted once by the worker's own handler under `policy`. */
  async function deliverOnce(url: string, policy: OutboundPolicy) {
    const delivery = await t.db.webhookDelivery.create({
      data: {
        accountId,
        eventId: `evt_ssrf_${Math.random().toString(36).slice(2)}`,
        eventType: 'batch.completed',
        url,
        payload: { id: 'evt', type: 'batch.completed', data: {} },
      },
    });
    const outbound = createOutboundClient(policy);
    try {
      await attemptDelivery(
        {
          db: t.db,
          queue: t.queue,
          outbound,
          logger,
          policy: { timeoutMs: 2000, retryScheduleMs: [] },
        },
        { deliveryId: delivery.id, attempt: 1, nextRetry: 0 },
      );
    } finally {
      await outbound.close();
    }
    return t.db.webhookDelivery.findUniqueOrThrow({
      where: { id: delivery.id },
      include: { attempts: true },
    });
  }

  const hostsWithPorts = () => [
    ...LOOPBACK_V4_FORMS.map((host) => `http://${host}:${v4.port}/hook`),
    // IPv4-mapped forms lead to the IPv4 listener; the others to the IPv6 one.
    ...LOOPBACK_V6_FORMS.map(
      (host) => `http://${host}:${host.includes('ffff') ? v4.port : v6.port}/hook`,
    ),
    ...OTHER_BLOCKED.map((host) => `http://${host}/hook`),
  ];

  it('refuses every address form before connecting; the delivery fails with the reason recorded', async () => {
    for (const url of hostsWithPorts()) {
      const delivery = await deliverOnce(url, STRICT);
      expect(delivery.status, url).toBe('failed');
      expect(delivery.attempts).toHaveLength(1);
      expect(delivery.attempts[0]?.statusCode).toBeNull();
      expect(delivery.attempts[0]?.error, url).toMatch(/^Refused to connect/);
      // Refused without a connection attempt: no timeout was spent on unroutable ranges.
      expect(delivery.attempts[0]?.latencyMs, url).toBeLessThan(1000);
    }
    expect(v4.connections).toBe(0);
    expect(v6.connections).toBe(0);
  });

  it('positive control: with private networks allowed the same targets are reached', async () => {
    const open: OutboundPolicy = { allowPrivateNetworks: true };
    expect((await deliverOnce(`http://2130706433:${v4.port}/hook`, open)).status).toBe('delivered');
    expect((await deliverOnce(`http://[::1]:${v6.port}/hook`, open)).status).toBe('delivered');
    expect(v4.connections).toBe(1);
    expect(v6.connections).toBe(1);
  });

  it('checks host names after DNS, at connect time: a name resolving to a private address is refused', async () => {
    const before = v4.connections;
    const calls: string[] = [];
    const lookup = fakeDns(
      {
        'hooks.customer.example': ['127.0.0.1'],
        'mixed.customer.example': ['93.184.215.14', '127.0.0.1'],
        'metadata.customer.example': ['169.254.169.254'],
        'v6.customer.example': ['::ffff:127.0.0.1'],
      },
      calls,
    );
    for (const name of ['hooks', 'mixed', 'metadata', 'v6']) {
      const delivery = await deliverOnce(`http://${name}.customer.example:${v4.port}/hook`, {
        allowPrivateNetworks: false,
        lookup,
      });
      expect(delivery.status).toBe('failed');
      expect(delivery.attempts[0]?.error).toMatch(
        new RegExp(`^Refused to connect: ${name}\\.customer\\.example resolves to`),
      );
    }
    // The resolver was asked by the connection itself, once per attempt.
    expect(calls).toEqual([
      'hooks.customer.example',
      'mixed.customer.example',
      'metadata.customer.example',
      'v6.customer.example',
    ]);
    expect(v4.connections).toBe(before);
    // The real system resolver, too: localhost resolves to loopback.
    const real = await deliverOnce(`http://localhost:${v4.port}/hook`, STRICT);
    expect(real.attempts[0]?.error).toMatch(/Refused to connect/);
    expect(v4.connections).toBe(before);
  });

  it('does not follow a redirect to a private address', async () => {
    const before = v4.connections;
    // A "public" endpoint (on a loopback alias the policy trusts, as no public address exists
    // here) that redirects to the private target.
    const redirector = createHttpServer((_req, res) => {
      res.writeHead(302, { location: `http://127.0.0.1:${v4.port}/admin` });
      res.end();
    });
    await new Promise<void>((resolve) => redirector.listen(0, '127.0.0.2', resolve));
    try {
      const port = (redirector.address() as AddressInfo).port;
      const delivery = await deliverOnce(`http://127.0.0.2:${port}/hook`, {
        allowPrivateNetworks: false,
        trustedAddresses: new Set(['127.0.0.2']),
      });
      expect(delivery.attempts[0]).toMatchObject({
        statusCode: 302,
        error: 'Answered 302: redirects are not followed; configure the final URL.',
      });
      expect(delivery.status).toBe('failed');
      expect(v4.connections).toBe(before);
    } finally {
      await new Promise<void>((resolve) => redirector.close(() => resolve()));
    }
  });
});

describe('end to end: a batch whose webhook host resolves to a private address', () => {
  let t: TestApp;
  let target: Awaited<ReturnType<typeof startTarget>>;
  beforeAll(async () => {
    target = await startTarget('127.0.0.1');
    t = await startTestApp({
      config: { allowPrivateNetworks: false },
      worker: {
        webhooks: {
          retryScheduleMs: [50],
          outbound: {
            allowPrivateNetworks: false,
            lookup: fakeDns({ 'hooks.customer.example': ['127.0.0.1'] }),
          },
        },
      },
    });
  });
  afterAll(async () => {
    await t?.close();
    await target?.close();
  });

  it('settles the batch, fails the delivery after its retries, and never connects', async () => {
    const { batch_id: batchId } = await submitBatch(t, prompts(10, 'A cat'), {
      webhook_url: `https://hooks.customer.example:${target.port}/hook`,
    });
    const failed = await eventually(
      () =>
        t.db.webhookDelivery.findFirst({
          where: { batchId, eventType: 'batch.completed', status: 'failed' },
          include: { attempts: true },
        }),
      20_000,
      'the delivery to fail',
    );
    expect(failed.attempts).toHaveLength(2);
    for (const attempt of failed.attempts) {
      expect(attempt.error).toBe(
        'Refused to connect: hooks.customer.example resolves to 127.0.0.1, a loopback address.',
      );
    }
    const batch = await t.db.batchJob.findUniqueOrThrow({ where: { id: batchId } });
    expect(batch.settlementStatus).toBe('settled');
    expect(target.connections).toBe(0);
  });
});

// The demo webhook receiver (issue 13): the one route of this service that webhooks may reach
// with private networks closed. Allowed on its exact origin and path; every neighbour refused.
describe('the demo receiver: the one own endpoint allowed (WEBHOOK_ALLOW_PRIVATE_NETWORKS=false)', () => {
  const id = '3f0c2a9e-5d1b-4c7a-9e2f-8b6d4a1c0e57';
  const logger = createLogger({ LOG_LEVEL: 'silent' });
  const PREFIX = '/demo/webhook-receiver/';

  it('matches the exact origin and path prefix, and no other spelling, port, path or query', () => {
    const ownEndpoint: OwnEndpoint = { origin: 'http://localhost:3000', pathPrefix: PREFIX };
    const policy: OutboundPolicy = { allowPrivateNetworks: false, ownEndpoint };
    for (const url of [
      `http://localhost:3000${PREFIX}${id}`,
      `http://LOCALHOST:3000${PREFIX}${id}`, // host names are case-insensitive: the same origin
      `http://localhost:3000/demo/x/..${PREFIX.slice(5)}${id}`, // `..` resolved by the parser
    ]) {
      expect(isOwnEndpoint(new URL(url), ownEndpoint), url).toBe(true);
      expect(blockedHostReason(new URL(url), policy), url).toBeNull();
    }
    for (const url of [
      `http://localhost:3001${PREFIX}${id}`, // a neighbour port
      `http://localhost${PREFIX}${id}`, // port 80
      `https://localhost:3000${PREFIX}${id}`,
      `http://127.0.0.1:3000${PREFIX}${id}`, // not the configured origin, though it may be the same socket
      `http://[::1]:3000${PREFIX}${id}`,
      `http://localhost.:3000${PREFIX}${id}`,
      `http://app.localhost:3000${PREFIX}${id}`,
      'http://localhost:3000/admin',
      'http://localhost:3000/metrics',
      `http://localhost:3000${PREFIX}`,
      `http://localhost:3000${PREFIX}${id}/x`,
      `http://localhost:3000${PREFIX}../../admin`,
      `http://localhost:3000${PREFIX}%2e%2e/%2e%2e/metrics`,
      `http://localhost:3000${PREFIX}..%2f..%2fmetrics`,
      `http://localhost:3000${PREFIX}${id}%2f..%2f..%2fadmin`,
      `http://localhost:3000/demo/webhook-receiver-other/${id}`,
      `http://localhost:3000${PREFIX}${id}?next=/admin`,
      `http://user:pw@localhost:3000${PREFIX}${id}`,
      `http://localhost:3000@169.254.169.254${PREFIX}${id}`,
      `http://169.254.169.254${PREFIX}${id}`,
    ]) {
      expect(isOwnEndpoint(new URL(url), ownEndpoint), url).toBe(false);
      expect(blockedHostReason(new URL(url), policy), url).toMatch(/public address/);
    }
  });

  describe('at delivery, with real sockets', () => {
    let t: TestApp;
    let own: Awaited<ReturnType<typeof startTarget>>;
    let neighbour: Awaited<ReturnType<typeof startTarget>>;
    let accountId: string;
    beforeAll(async () => {
      t = await startTestApp({ config: { allowPrivateNetworks: false } });
      own = await startTarget('127.0.0.1');
      neighbour = await startTarget('127.0.0.1');
      accountId = (await t.db.account.findFirstOrThrow()).id;
    });
    afterAll(async () => {
      await t?.close();
      await own?.close();
      await neighbour?.close();
    });

    async function deliverOnce(url: string, policy: OutboundPolicy) {
      const delivery = await t.db.webhookDelivery.create({
        data: {
          accountId,
          eventId: `evt_own_${Math.random().toString(36).slice(2)}`,
          eventType: 'batch.completed',
          url,
          payload: { id: 'evt', type: 'batch.completed', data: {} },
        },
      });
      const outbound = createOutboundClient(policy);
      try {
        await attemptDelivery(
          {
            db: t.db,
            queue: t.queue,
            outbound,
            logger,
            policy: { timeoutMs: 2000, retryScheduleMs: [] },
          },
          { deliveryId: delivery.id, attempt: 1, nextRetry: 0 },
        );
      } finally {
        await outbound.close();
      }
      return t.db.webhookDelivery.findUniqueOrThrow({
        where: { id: delivery.id },
        include: { attempts: true },
      });
    }

    it('reaches the receiver and nothing beside it: other paths, ports, spellings, queries', async () => {
      const policy: OutboundPolicy = {
        allowPrivateNetworks: false,
        ownEndpoint: { origin: `http://127.0.0.1:${own.port}`, pathPrefix: PREFIX },
      };
      const reached = await deliverOnce(`http://127.0.0.1:${own.port}${PREFIX}${id}`, policy);
      expect(reached.status).toBe('delivered');
      expect(own.connections).toBe(1);

      for (const url of [
        `http://127.0.0.1:${own.port}/admin`,
        `http://127.0.0.1:${own.port}${PREFIX}${id}/x`,
        `http://127.0.0.1:${own.port}${PREFIX}${id}/../../../metrics`,
        `http://127.0.0.1:${own.port}${PREFIX}..%2f..%2fmetrics`,
        `http://127.0.0.1:${own.port}${PREFIX}${id}?next=/admin`,
        `http://127.0.0.1:${neighbour.port}${PREFIX}${id}`,
        `http://localhost:${own.port}${PREFIX}${id}`,
        `http://[::ffff:127.0.0.1]:${own.port}${PREFIX}${id}`,
        `http://127.0.0.2:${own.port}${PREFIX}${id}`,
      ]) {
        const delivery = await deliverOnce(url, policy);
        expect(delivery.status, url).toBe('failed');
        expect(delivery.attempts[0]?.error, url).toMatch(/^Refused to connect/);
      }
      expect(own.connections).toBe(1);
      expect(neighbour.connections).toBe(0);
    });

    it('pins a named receiver to its own name: another name resolving to the same address is refused', async () => {
      const before = own.connections;
      const policy: OutboundPolicy = {
        allowPrivateNetworks: false,
        // A client-chosen name that resolves to the receiver's address is still a client's host.
        lookup: fakeDns({ 'hooks.customer.example': ['127.0.0.1'] }),
        ownEndpoint: { origin: `http://localhost:${own.port}`, pathPrefix: PREFIX },
      };
      const smuggled = await deliverOnce(
        `http://hooks.customer.example:${own.port}${PREFIX}${id}`,
        policy,
      );
      expect(smuggled.attempts[0]?.error).toBe(
        'Refused to connect: hooks.customer.example resolves to 127.0.0.1, a loopback address.',
      );
      expect(own.connections).toBe(before);
      const neighbourPort = await deliverOnce(
        `http://localhost:${neighbour.port}${PREFIX}${id}`,
        policy,
      );
      expect(neighbourPort.attempts[0]?.error).toMatch(/^Refused to connect/);
      expect(neighbour.connections).toBe(0);
      // The configured name itself is resolved by the system and reached.
      const reached = await deliverOnce(`http://localhost:${own.port}${PREFIX}${id}`, policy);
      expect(reached.status).toBe('delivered');
      expect(own.connections).toBe(before + 1);
    });
  });

  describe('at admission', () => {
    let t: TestApp;
    let receiverUrl: string;
    beforeAll(async () => {
      t = await startTestApp({ demoReceiver: true, config: { allowPrivateNetworks: false } });
      receiverUrl = (await demoReceiverView(t)).url;
    });
    afterAll(() => t?.close());

    it('admits the receiver URL over http and refuses its neighbours with 422', async () => {
      const accountId = (await t.db.account.findFirstOrThrow()).id;
      expect(receiverUrl).toBe(`${t.baseUrl}${PREFIX}${accountId}`);
      await submitBatch(t, ['A cat'], { webhook_url: receiverUrl });
      const url = new URL(receiverUrl);
      const before = await snapshotDatabase(t.db);
      for (const neighbour of [
        `${url.origin}/admin`,
        `${url.origin}/metrics`,
        `http://127.0.0.1:${Number(url.port) + 1}${url.pathname}`,
        `http://localhost:${url.port}${url.pathname}`,
        `${receiverUrl}/extra`,
        `${receiverUrl}?x=1`,
      ]) {
        const refused = await refusal(createBatchWithWebhook(t, neighbour));
        expect(refused.status, neighbour).toBe(422);
        expect(refused.details[0]?.path, neighbour).toBe('webhook_url');
      }
      await expectNothingWritten(t.db, before);
    });
  });
});
