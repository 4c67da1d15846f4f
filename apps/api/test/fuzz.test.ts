import { createAccount, createModel } from '@batchreel/db/testing';
import fc from 'fast-check';
import stringify from 'safe-stable-stringify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, revokeApiKey } from '../src/accounts/api-keys';
import { startTestApp, type TestApp } from './helpers';
import { expectNothingWritten, snapshotDatabase } from './support/db-snapshot';
import {
  applyBreakage,
  type Breakage,
  breakage,
  breakText,
  type Json,
  type TextBreakage,
  textBreakage,
  toJsonText,
  validBody,
  validItem,
} from './support/fuzz-bodies';
import {
  type FuzzAnswer,
  type FuzzRequest,
  type RawRequest,
  sendFetch,
  sendRaw,
  sentRequests,
  totalSent,
} from './support/fuzz-http';
import { checkAnswer, type Expectation } from './support/fuzz-oracle';
import {
  apiKey,
  buildPath,
  contentType,
  doubtfulContentType,
  type FuzzTokens,
  type HeaderChoice,
  method,
  noiseHeaders,
  path,
  requestId,
  resolve,
} from './support/fuzz-routes';
import { changedTables, createWriteProbe, type WriteFingerprint } from './support/fuzz-writes';
import { loadOpenApi, type OpenApiDoc } from './support/openapi';

/**
 * HTTP fuzzing of the public API (docs/product.md §3) with fast-check, over real HTTP against the real
 * server and database. For every generated request:
 *   1. never a 5xx, a reset or a hang;
 *   2. every error in the error envelope (docs/product.md §3), conforming to the OpenAPI document where documented;
 *   3. a refused request (and a read) writes nothing: checked after EVERY request with a one-query
 *      fingerprint of all tables, so fast-check shrinks a writing request like any other failure.
 *
 * Replay a run: `FUZZ_SEED=<seed printed below> npx vitest run test/fuzz.test.ts`; scale it with
 * `FUZZ_RUNS=<multiplier>` (default 1: ~2,300 requests).
 */
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
const SCALE = Number(process.env.FUZZ_RUNS ?? 1);
const runs = (n: number) => Math.max(1, Math.round(n * SCALE));
const PROPERTY_TIMEOUT_MS = 120_000;

const CREATE = '/api/enterprise/video-batch';
const QUOTE = '/api/enterprise/video-batch/quote';
const SETUP_REQUEST_ID = 'fuzz-setup-1';
/** 5,000 granted − 30 reserved by the setup batch (3 items of 10 credits). */
const AVAILABLE = 4_970;
const PRICE = 10;

/** What the answers were, per property: printed so a run shows what it exercised. */
const statuses = new Map<string, Map<number, number>>();
const tally = (label: string, status: number) => {
  const byStatus = statuses.get(label) ?? new Map<number, number>();
  byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
  statuses.set(label, byStatus);
};

/**
 * The path and query a request target names, as the router sees it: an origin-form target as is,
 * an absolute-form one (`http://host/path`) without scheme and authority; '' for `*` and the like.
 */
const originForm = (target: string) =>
  target.startsWith('/') ? target : (/^[a-z][a-z\d+.-]*:\/\/[^/?#]*(.*)$/i.exec(target)?.[1] ?? '');

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

// ------------------------------------------------------------------------------------------------
// Generated cases

/** A create-batch (or quote) request: a valid body, maybe broken, and the headers around it. */
interface BodyCase {
  body: Json;
  breakages: Breakage[];
  text: TextBreakage | null;
  /** Raw bytes (invalid UTF-8, BOM, NUL) spliced into the JSON text. */
  bytes: { at: number; bytes: number[] } | null;
  key: HeaderChoice;
  requestId: HeaderChoice;
  contentType: HeaderChoice;
  noise: Record<string, string>;
}

const byteNoise: fc.Arbitrary<{ at: number; bytes: number[] }> = fc.record({
  at: fc.nat(),
  bytes: fc.constantFrom<number[]>(
    [0xff],
    [0xc3, 0x28],
    [0xc0, 0x80], // overlong NUL
    [0xed, 0xa0, 0x80], // a UTF-8-encoded surrogate
    [0xef, 0xbb, 0xbf], // BOM
    [0xf4, 0x90, 0x80, 0x80], // beyond U+10FFFF
    [0x00],
  ),
});

/** `arbitrary` one time in `oneIn`, else null. */
const sometimes = <T>(arbitrary: fc.Arbitrary<T>, oneIn: number) =>
  fc.oneof({ weight: oneIn - 1, arbitrary: fc.constant(null) }, { weight: 1, arbitrary });

const bodyCase = (
  contentTypes: fc.Arbitrary<HeaderChoice>,
  withBytes: boolean,
): fc.Arbitrary<BodyCase> =>
  fc.record({
    body: validBody,
    breakages: fc.oneof(
      fc.constant<Breakage[]>([]),
      fc.array(breakage, { minLength: 1, maxLength: 3 }),
      fc.array(breakage, { minLength: 1, maxLength: 3 }),
    ),
    text: sometimes(textBreakage, 6),
    bytes: withBytes ? sometimes(byteNoise, 5) : fc.constant(null),
    key: apiKey,
    requestId,
    contentType: contentTypes,
    noise: noiseHeaders,
  });

function bodyText(c: Pick<BodyCase, 'body' | 'breakages' | 'text'>): string {
  const value = c.breakages.reduce(applyBreakage, c.body);
  const text = toJsonText(value);
  return c.text ? breakText(text, c.text) : text;
}

function bodyBytes(c: BodyCase): Uint8Array {
  const bytes = Buffer.from(bodyText(c), 'utf8');
  if (!c.bytes) return bytes;
  const at = bytes.length === 0 ? 0 : c.bytes.at % bytes.length;
  return Buffer.concat([bytes.subarray(0, at), Buffer.from(c.bytes.bytes), bytes.subarray(at)]);
}

/** The body itself breaks the contract (certain only without byte noise, which can repair one). */
const bodyBroken = (c: BodyCase) => !c.bytes && (c.breakages.length > 0 || c.text !== null);

/** What the server must answer, as far as the case alone decides it. */
function expectationOf(c: BodyCase): Expectation {
  // The X-Request-ID check comes first (before authentication and the body), then the key.
  if (c.requestId.valid === false) return { status: 422 };
  if (c.key.valid === false) return { status: 401 };
  if (bodyBroken(c) || c.contentType.valid === false) return { mustReject: true };
  return {};
}

const isClean = (c: BodyCase) =>
  !c.bytes &&
  c.breakages.length === 0 &&
  c.text === null &&
  c.key.valid === true &&
  c.requestId.valid === true &&
  c.contentType.valid === true;

function headersOf(
  choices: { key: HeaderChoice; requestId: HeaderChoice; contentType?: HeaderChoice },
  noise: Record<string, string>,
  tokens: FuzzTokens,
): Record<string, string> {
  const headers: Record<string, string> = { ...noise };
  if (choices.key.value !== undefined) headers['x-api-key'] = resolve(choices.key.value, tokens);
  if (choices.requestId.value !== undefined) headers['x-request-id'] = choices.requestId.value;
  if (choices.contentType?.value !== undefined) headers['content-type'] = choices.contentType.value;
  return headers;
}

/** Could this text, parsed, rotate the webhook secret (`{}` or only `overlap_seconds`)? */
function couldRotate(text: string): boolean {
  try {
    const parsed: unknown = JSON.parse(text);
    return isObject(parsed) && Object.keys(parsed).every((key) => key === 'overlap_seconds');
  } catch {
    return false;
  }
}

/** A body that no write route may accept: a broken create-batch body that is no rotation. */
const refusedBody = fc
  .record({
    body: validBody,
    breakages: fc.array(breakage, { minLength: 1, maxLength: 2 }),
    text: sometimes(textBreakage, 4),
  })
  .filter((c) => !couldRotate(bodyText(c)));

// ------------------------------------------------------------------------------------------------

describe('HTTP fuzzing of the public API', () => {
  let app: TestApp;
  let doc: OpenApiDoc;
  let tokens: FuzzTokens;
  let probe: () => Promise<WriteFingerprint>;
  const setupBody = {
    items: [
      { prompt: 'fuzz setup batch', model: 'sora-2' },
      { prompt: 'second', model: 'sora-2', seconds: 8 },
      { prompt: 'third', model: 'sora-2', size: '720x1280' },
    ],
    metadata: { campaign: 'fuzz' },
  };

  async function newKey(accountId: string, name: string) {
    const created = await createApiKey(app.db, { accountId, name, createdBy: 'test' });
    if (!created.ok) throw new Error(created.error.code);
    return created.value;
  }

  async function admit(key: string, body: unknown, headers: Record<string, string> = {}) {
    const response = await fetch(`${app.baseUrl}${CREATE}`, {
      method: 'POST',
      headers: { 'x-api-key': key, 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(202);
    return ((await response.json()) as { batch_id: string }).batch_id;
  }

  beforeAll(async () => {
    // Private networks NOT allowed: private and plain-http webhook URLs must be refused.
    app = await startTestApp({ config: { allowPrivateNetworks: false } });
    doc = await loadOpenApi(app.baseUrl);
    const demo = await app.db.account.findFirstOrThrow({ where: { name: 'Demo Corp' } });
    await createModel(app.db, { id: 'retired-model', enabled: false });

    const revoked = await newKey(demo.id, 'Revoked');
    const revocation = await revokeApiKey(app.db, {
      keyId: revoked.apiKey.id,
      revokedBy: 'test',
    });
    if (!revocation.ok) throw new Error(revocation.error.code);
    const suspended = await createAccount(app.db, { credits: 1_000 });
    const suspendedKey = await newKey(suspended.id, 'Suspended');
    await app.db.account.update({ where: { id: suspended.id }, data: { status: 'suspended' } });

    const other = await createAccount(app.db, { credits: 1_000 });
    const otherKey = await newKey(other.id, 'Other');
    tokens = {
      $known: await admit('demo-key', setupBody, { 'x-request-id': SETUP_REQUEST_ID }),
      $foreign: await admit(otherKey.secret, { items: [{ prompt: 'theirs', model: 'sora-2' }] }),
      $revoked: revoked.secret,
      $suspended: suspendedKey.secret,
    };
    // The signing secret is created on first read: create it now so that reads write nothing.
    const secret = await fetch(`${app.baseUrl}/api/enterprise/webhook-secret`, {
      headers: { 'x-api-key': 'demo-key' },
    });
    expect(secret.status).toBe(200);
    probe = await createWriteProbe(app.db);
    console.info(
      `fuzz seed ${SEED} (replay: FUZZ_SEED=${SEED} npx vitest run test/fuzz.test.ts); scale ${SCALE}`,
    );
  });

  afterAll(async () => {
    for (const [label, byStatus] of statuses) {
      const spread = [...byStatus].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`);
      console.info(`fuzz ${label}: ${sentRequests.get(label) ?? 0} requests; ${spread.join(' ')}`);
    }
    await app?.close();
  });

  /**
   * Runs `property` for `numRuns` generated values; after each, no table may have changed. The
   * shared snapshot helper double-checks the whole run.
   */
  async function fuzz<T>(
    label: string,
    arbitrary: fc.Arbitrary<T>,
    numRuns: number,
    exchange: (value: T) => Promise<string>,
  ) {
    const snapshot = await snapshotDatabase(app.db);
    const sentBefore = sentRequests.get(label) ?? 0;
    await fc.assert(
      fc.asyncProperty(arbitrary, async (value) => {
        const before = await probe();
        const sent = await exchange(value);
        const changed = changedTables(before, await probe());
        if (changed.length > 0) {
          throw new Error(`a refused or read-only request wrote:\n${changed.join('\n')}\n${sent}`);
        }
      }),
      { numRuns, seed: SEED },
    );
    await expectNothingWritten(app.db, snapshot);
    expect(sentRequests.get(label) ?? 0).toBeGreaterThanOrEqual(sentBefore + numRuns);
  }

  async function send(label: string, request: FuzzRequest, expectation: Expectation) {
    const answer = await sendFetch(app.baseUrl, request, label);
    tally(label, answer.status);
    checkAnswer(doc, request, answer, expectation);
    return answer;
  }

  const describeCase = (request: FuzzRequest, answer: FuzzAnswer) =>
    `${request.method} ${answer.sentPath} → ${answer.status}`;

  it(
    'POST /video-batch/quote: any body, content type and headers; 200 only when valid, never a write',
    async () => {
      const arbitrary = bodyCase(
        fc.oneof({ weight: 3, arbitrary: contentType }, doubtfulContentType),
        true,
      );
      await fuzz('quote', arbitrary, runs(600), async (c) => {
        const request: FuzzRequest = {
          method: 'POST',
          path: QUOTE,
          headers: headersOf(c, c.noise, tokens),
          body: bodyBytes(c),
        };
        const expectation = isClean(c) ? { status: 200 } : expectationOf(c);
        return describeCase(request, await send('quote', request, expectation));
      });
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'POST /video-batch: every broken request is refused and writes nothing',
    async () => {
      const arbitrary = bodyCase(contentType, false).filter(
        (c) => expectationOf(c).status !== undefined || expectationOf(c).mustReject === true,
      );
      await fuzz('create', arbitrary, runs(700), async (c) => {
        const request: FuzzRequest = {
          method: 'POST',
          path: CREATE,
          headers: headersOf(c, c.noise, tokens),
          body: bodyBytes(c),
        };
        return describeCase(request, await send('create', request, expectationOf(c)));
      });
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'POST /video-batch: unaffordable batches get 402, replays replay, reused ids get 422; nothing written',
    async () => {
      const arbitrary = fc.oneof(
        fc.record({
          kind: fc.constant('unaffordable' as const),
          body: validBody,
          items: fc.array(validItem, { minLength: 1, maxLength: 3 }),
          count: fc.integer({ min: Math.floor(AVAILABLE / PRICE) + 1, max: 1_500 }),
          requestId: sometimes(fc.uuid(), 2),
        }),
        fc.record({
          kind: fc.constant('replay' as const),
          indent: fc.constantFrom(0, 1, '\t', ' \n'),
          keys: fc.shuffledSubarray(['items', 'metadata'], { minLength: 2 }),
        }),
        fc.record({
          kind: fc.constant('reuse' as const),
          body: validBody.filter((body) => stringify(body) !== stringify(setupBody)),
        }),
      );
      await fuzz('admission', arbitrary, runs(120), async (c) => {
        const headers: Record<string, string> = {
          'x-api-key': 'demo-key',
          'content-type': 'application/json',
        };
        let body: string;
        let expectation: Expectation;
        if (c.kind === 'unaffordable') {
          const items = Array.from({ length: c.count }, (_, i) => c.items[i % c.items.length]);
          body = JSON.stringify({ ...c.body, items });
          if (c.requestId) headers['x-request-id'] = `fuzz-402-${c.requestId}`;
          expectation = { status: 402 };
        } else if (c.kind === 'replay') {
          // The same JSON, spelled differently: key order and white space do not matter.
          const reordered = Object.fromEntries(
            c.keys.map((key) => [key, setupBody[key as keyof typeof setupBody]]),
          );
          body = JSON.stringify(reordered, null, c.indent);
          headers['x-request-id'] = SETUP_REQUEST_ID;
          expectation = { status: 202 };
        } else {
          body = JSON.stringify(c.body);
          headers['x-request-id'] = SETUP_REQUEST_ID;
          expectation = { status: 422 };
        }
        const request: FuzzRequest = { method: 'POST', path: CREATE, headers, body };
        const answer = await send('admission', request, expectation);
        const answered = JSON.parse(answer.text) as Record<string, unknown>;
        if (c.kind === 'unaffordable') {
          expect(answered).toMatchObject({
            error: { code: 'insufficient_credits' },
            required_credits: c.count * PRICE,
            available_credits: AVAILABLE,
          });
        } else if (c.kind === 'replay') {
          expect(answered).toMatchObject({ batch_id: tokens.$known, request_id: SETUP_REQUEST_ID });
          expect(answer.headers['idempotent-replayed']).toBe('true');
        } else {
          expect(answered).toMatchObject({ error: { code: 'idempotency_key_reused' } });
        }
        return describeCase(request, answer);
      });
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'any method on any path with any query and headers: no 5xx, errors in the envelope, no writes',
    async () => {
      const arbitrary = fc.record({
        method,
        path,
        key: apiKey,
        requestId,
        contentType: sometimes(fc.oneof(contentType, doubtfulContentType), 2),
        noise: noiseHeaders,
        body: sometimes(refusedBody, 2),
      });
      await fuzz('routes', arbitrary, runs(750), async (c) => {
        const readOnly = c.method === 'GET' || c.method === 'HEAD';
        const request: FuzzRequest = {
          method: c.method,
          path: resolve(buildPath(c.path, readOnly), tokens),
          headers: headersOf(
            { key: c.key, requestId: c.requestId, contentType: c.contentType ?? undefined },
            c.noise,
            tokens,
          ),
          // fetch sends no body with GET or HEAD. Other methods get a body no route may accept.
          body: readOnly || !c.body ? undefined : Buffer.from(bodyText(c.body), 'utf8'),
        };
        return describeCase(request, await send('routes', request, {}));
      });
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'malformed HTTP over a raw socket: bad framing, methods, targets and header bytes',
    async () => {
      const arbitrary = fc.record({
        method: fc.oneof(
          { weight: 3, arbitrary: method },
          fc.constantFrom(
            'get',
            'FOO',
            'PROPFIND',
            'SEARCH',
            'QUERY',
            'TRACE',
            'CONNECT',
            'M-SEARCH',
            'G ET',
            '',
          ),
        ),
        path,
        target: fc.constantFrom(
          'as-is',
          'as-is',
          'as-is',
          'absolute',
          'asterisk',
          'raw-utf8',
          'raw-space',
          'empty',
          'long',
        ),
        version: fc.constantFrom(
          'HTTP/1.1',
          'HTTP/1.1',
          'HTTP/1.1',
          'HTTP/1.0',
          'HTTP/2.0',
          'HTTP/1.2',
          'http/1.1',
          'HTTP/1.1 ',
        ),
        host: fc.constantFrom('normal', 'normal', 'missing', 'twice', 'empty', 'other', 'garbage'),
        key: apiKey,
        requestId: fc.oneof(
          requestId,
          fc.constantFrom<HeaderChoice>(
            { value: Buffer.from('commande-été', 'utf8').toString('latin1'), valid: false },
            { value: 'ctrl\u0001char', valid: false },
            { value: 'del\u007f', valid: false },
            { value: 'twice', valid: false }, // sent twice: joined as "twice, twice"
          ),
        ),
        contentType: fc.oneof(contentType, doubtfulContentType),
        framing: fc.constantFrom(
          'exact',
          'exact',
          'short',
          'none',
          'huge',
          'non-numeric',
          'negative',
          'conflicting',
          'chunked',
          'bad-chunked',
          'te-and-cl',
          'te-gzip',
          'expect-continue',
        ),
        extra: fc.constantFrom(
          'none',
          'none',
          'invalid-name',
          'no-colon',
          'obs-fold',
          'huge',
          'nul-value',
          'many',
        ),
        body: fc.oneof(
          refusedBody.map((c) => ({ refused: true, text: bodyText(c), encoding: 'utf8' as const })),
          fc
            .string({ maxLength: 100 })
            .map((text) => ({ refused: false, text, encoding: 'utf8' as const })),
          fc.uint8Array({ maxLength: 100 }).map((bytes) => ({
            refused: false,
            text: Buffer.from(bytes).toString('latin1'),
            encoding: 'latin1' as const,
          })),
        ),
      });
      await fuzz('raw', arbitrary, runs(350), async (c) => {
        const readOnly = c.method === 'GET' || c.method === 'HEAD';
        // The demo key on a POST only with a body no route accepts (it is never made valid by
        // cutting it short: a cut JSON text does not parse).
        const key =
          /post/i.test(c.method) && c.key.valid !== false && !c.body.refused
            ? { value: 'nope', valid: false }
            : c.key;
        const { host, port } = new URL(app.baseUrl);
        let target = resolve(buildPath(c.path, readOnly), tokens).replace(/#.*/, '');
        if (c.target === 'absolute') target = `http://${host}${target}`;
        if (c.target === 'asterisk') target = '*';
        if (c.target === 'raw-utf8') target += Buffer.from('/été', 'utf8').toString('latin1');
        if (c.target === 'raw-space') target += '/a b';
        if (c.target === 'empty') target = '';
        if (c.target === 'long') target += `/${'x'.repeat(20_000)}`;

        const lines: string[] = [`${c.method} ${target} ${c.version}`];
        if (c.host === 'normal' || c.host === 'twice') lines.push(`Host: ${host}`);
        if (c.host === 'twice') lines.push('Host: other.example');
        if (c.host === 'empty') lines.push('Host:');
        if (c.host === 'other') lines.push('Host: evil.example:1');
        if (c.host === 'garbage') lines.push('Host: exa mple/<x>:99999');
        lines.push('Connection: close');
        if (key.value !== undefined) lines.push(`X-API-Key: ${resolve(key.value, tokens)}`);
        if (c.requestId.value !== undefined) lines.push(`X-Request-ID: ${c.requestId.value}`);
        if (c.requestId.value === 'twice') lines.push('X-Request-ID: twice');
        if (c.contentType.value !== undefined) lines.push(`Content-Type: ${c.contentType.value}`);

        let body = Buffer.from(c.body.text, c.body.encoding);
        const length = body.length;
        switch (c.framing) {
          case 'exact':
            lines.push(`Content-Length: ${length}`);
            break;
          case 'short': // the rest is a second, garbage request on a closing connection
            lines.push(`Content-Length: ${Math.floor(length / 2)}`);
            break;
          case 'huge': // over the body limit: refused before a byte of it is read
            lines.push('Content-Length: 67108865');
            break;
          case 'non-numeric':
            lines.push('Content-Length: ten');
            break;
          case 'negative':
            lines.push('Content-Length: -1');
            break;
          case 'conflicting':
            lines.push(`Content-Length: ${length}`, `Content-Length: ${length + 1}`);
            break;
          case 'chunked':
          case 'bad-chunked':
            lines.push('Transfer-Encoding: chunked');
            body = Buffer.concat([
              Buffer.from(c.framing === 'chunked' ? `${length.toString(16)}\r\n` : 'zz\r\n'),
              body,
              Buffer.from('\r\n0\r\n\r\n'),
            ]);
            break;
          case 'te-and-cl':
            lines.push('Transfer-Encoding: chunked', `Content-Length: ${length}`);
            break;
          case 'te-gzip':
            lines.push('Transfer-Encoding: gzip');
            break;
          case 'expect-continue':
            lines.push('Expect: 100-continue', `Content-Length: ${length}`);
            break;
        }
        if (c.extra === 'invalid-name') lines.push('Bad Header: x');
        if (c.extra === 'no-colon') lines.push('NoColonHere');
        if (c.extra === 'obs-fold') lines.push('X-Folded: a', ' b');
        if (c.extra === 'huge') lines.push(`X-Huge: ${'h'.repeat(20_000)}`);
        if (c.extra === 'nul-value') lines.push('X-Nul: a\u0000b');
        if (c.extra === 'many') for (let i = 0; i < 150; i++) lines.push(`X-Many-${i}: ${i}`);

        const raw: RawRequest = {
          head: Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'),
          body,
          method: c.method,
        };
        const answer = await sendRaw(app.baseUrl, raw, 'raw');
        tally('raw', answer.status);
        checkAnswer(doc, raw, { ...answer, sentPath: originForm(target) }, {});
        return `raw ${c.method} ${target.slice(0, 200)} → ${answer.status} (port ${port})`;
      });
    },
    PROPERTY_TIMEOUT_MS,
  );

  it('sent at least 2,000 requests over real HTTP', () => {
    console.info(`fuzz total: ${totalSent()} requests`);
    expect(totalSent()).toBeGreaterThanOrEqual(2_000);
  });
});
