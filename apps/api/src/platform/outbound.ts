import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions } from 'node:dns';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { Agent, type Dispatcher, request } from 'undici';

/**
 * Outbound HTTP that cannot be turned against our own network (SSRF, docs/product.md §6).
 *
 * Webhook URLs are chosen by clients, so a request to one must never reach loopback, private,
 * link-local, unique-local, CGNAT, multicast, unspecified or reserved addresses. Three layers:
 *
 * 1. The URL's host is parsed by the WHATWG URL parser, which normalises every spelling of an IPv4
 *    address (`0`, `017700000001`, `2130706433`, `0x7f.1`) to dotted form, so one check on the
 *    literal catches them all; IPv4-mapped IPv6 (`[::ffff:127.0.0.1]`) is unwrapped first.
 * 2. Host names are checked at connect time: the agent's socket uses our `lookup`, which resolves
 *    the name and refuses when any answer is not a public unicast address. The address that is
 *    checked is the address that is connected to, so DNS rebinding between a check and the
 *    connection cannot slip through.
 * 3. Redirects are never followed (a 3xx is just an answer), so no hop escapes the check.
 *
 * Only addresses ipaddr.js classifies as plain `unicast` pass: an allow-list, so a range we did
 * not think of (NAT64, 6to4, Teredo, documentation ranges...) is refused rather than reached.
 *
 * One exception, when configured: this service's own demo webhook receiver (`OwnEndpoint`),
 * matched on its exact origin and path prefix and reached through a connection pinned to its
 * host, so enabling it opens that one route and no other address or port.
 */

export type LookupFunction = (
  hostname: string,
  options: LookupAllOptions,
  callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

export interface OutboundPolicy {
  /** `WEBHOOK_ALLOW_PRIVATE_NETWORKS`: lifts the guard (local development and tests). */
  allowPrivateNetworks: boolean;
  /** Name resolution (default: the system resolver); tests inject names that resolve privately. */
  lookup?: LookupFunction;
  /**
   * Addresses treated as public even though they are not. Only tests use it, to stand a
   * "public" server up on a loopback alias (there is no public address on a CI machine).
   */
  trustedAddresses?: ReadonlySet<string>;
  /**
   * An endpoint of this service itself that webhooks may reach wherever it runs (the demo
   * receiver); null or absent: none.
   */
  ownEndpoint?: OwnEndpoint | null;
}

/** What admission judges a client's `webhook_url` by (the part of the policy needing no DNS). */
export type WebhookTargetPolicy = Pick<OutboundPolicy, 'allowPrivateNetworks' | 'ownEndpoint'>;

/**
 * A route this service serves and may send webhooks to although it sits on this machine or a
 * private network: `origin` + `pathPrefix` + one plain path segment (the demo receiver's
 * `{account_id}`). Both come from the operator's configuration, never from a client.
 */
export interface OwnEndpoint {
  /** `http://localhost:3000`: scheme, host and port exactly as `new URL(...).origin` gives them. */
  origin: string;
  /** Starts and ends with `/`, e.g. `/demo/webhook-receiver/`. */
  pathPrefix: string;
}

/** One path segment of letters, digits and dashes (an id): no `/`, `%`, `.` or `..` to play with. */
const OWN_ENDPOINT_SEGMENT = /^[A-Za-z0-9-]{1,64}$/;

/**
 * Whether `url` is exactly the configured own endpoint. The WHATWG parser has already lower-cased
 * the host, dropped a default port and resolved `.`/`..` (also percent-encoded), so comparing the
 * origin and the path as parsed leaves no spelling of another target that would match: a
 * different host name or address, port, scheme, credentials, query or path does not.
 */
export function isOwnEndpoint(url: URL, endpoint: OwnEndpoint | null | undefined): boolean {
  if (!endpoint) return false;
  if (url.origin !== endpoint.origin || url.username !== '' || url.password !== '') return false;
  if (url.search !== '' || url.hash !== '') return false;
  if (!url.pathname.startsWith(endpoint.pathPrefix)) return false;
  return OWN_ENDPOINT_SEGMENT.test(url.pathname.slice(endpoint.pathPrefix.length));
}

/** A destination the guard refused; `message` says which address and why. */
export class BlockedDestinationError extends Error {
  override name = 'BlockedDestinationError';
  readonly code = 'blocked_destination';
}

/** `127.0.0.1`, `::ffff:7f00:1`, `[::1]` → its range name; `unicast` is the only public one. */
export function addressRange(address: string): string {
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  if (!ipaddr.isValid(bare)) return 'invalid';
  const parsed = ipaddr.process(bare); // unwraps IPv4-mapped IPv6 into the IPv4 it carries
  const range = parsed.range();
  // IPv4-compatible IPv6 (::a.b.c.d, deprecated) embeds an IPv4 address ipaddr.js calls unicast.
  if (
    parsed.kind() === 'ipv6' &&
    range === 'unicast' &&
    parsed.toNormalizedString().startsWith('0:0:0:0:0:0:')
  )
    return 'ipv4Compatible';
  return range;
}

/** Readable names of the ranges ipaddr.js reports (the rest are shown as named there). */
const RANGE_NAMES: Record<string, string> = {
  unspecified: 'an unspecified',
  broadcast: 'a broadcast',
  multicast: 'a multicast',
  linkLocal: 'a link-local',
  loopback: 'a loopback',
  carrierGradeNat: 'a carrier-grade NAT (100.64.0.0/10)',
  private: 'a private (RFC 1918)',
  uniqueLocal: 'a unique-local (fc00::/7)',
  reserved: 'a reserved',
  ipv4Compatible: 'an IPv4-compatible IPv6',
  invalid: 'an invalid',
};

function refusal(address: string, policy: OutboundPolicy): string | null {
  if (policy.allowPrivateNetworks || policy.trustedAddresses?.has(address)) return null;
  const range = addressRange(address);
  if (range === 'unicast') return null;
  return `${address}, ${RANGE_NAMES[range] ?? `a special-purpose (${range})`} address`;
}

/** Host names that mean this machine whatever DNS says. */
const LOCAL_NAMES = /(^|\.)(localhost|localdomain)\.?$/i;

/**
 * Why a URL's host may not be contacted, judged without DNS (used at admission for a clear 422):
 * an IP literal in a blocked range or a `localhost` name. Null when it may be tried; names are
 * then judged again, after resolution, when the request connects.
 */
export function blockedHostReason(url: URL, policy: OutboundPolicy): string | null {
  if (isOwnEndpoint(url, policy.ownEndpoint)) return null;
  const reason = hostRefusal(url, policy);
  return reason ? `The host is ${reason}; webhooks must go to a public address.` : null;
}

function hostRefusal(url: URL, policy: OutboundPolicy): string | null {
  if (policy.allowPrivateNetworks) return null;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) return refusal(host, policy);
  if (LOCAL_NAMES.test(host)) return `${host}, a name for this machine`;
  return null;
}

/** A resolver that answers only with public addresses, and fails for a name with any other. */
function guardedLookup(policy: OutboundPolicy) {
  const resolve: LookupFunction = policy.lookup ?? ((h, o, cb) => dnsLookup(h, o, cb));
  return (
    hostname: string,
    options: { family?: number; all?: boolean },
    callback: (
      error: NodeJS.ErrnoException | null,
      address: string | LookupAddress[],
      family?: number,
    ) => void,
  ) => {
    resolve(hostname, { family: options.family ?? 0, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      const blocked = addresses.map((a) => refusal(a.address, policy)).find((r) => r !== null);
      if (blocked) {
        return callback(
          new BlockedDestinationError(`Refused to connect: ${hostname} resolves to ${blocked}.`),
          [],
        );
      }
      if (options.all) return callback(null, addresses);
      const first = addresses[0];
      if (!first)
        return callback(
          Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }),
          [],
        );
      callback(null, first.address, first.family);
    });
  };
}

/**
 * The resolver of the connection to the own endpoint: it answers only for that endpoint's host
 * (the only one ever asked, as only matching URLs use it) and, since the operator chose that
 * host, without judging the address it resolves to.
 */
function ownEndpointLookup(endpoint: OwnEndpoint) {
  const host = new URL(endpoint.origin).hostname.replace(/^\[|\]$/g, '');
  return (
    hostname: string,
    options: { family?: number; all?: boolean },
    callback: (
      error: NodeJS.ErrnoException | null,
      address: string | LookupAddress[],
      family?: number,
    ) => void,
  ) => {
    if (hostname !== host) {
      callback(new BlockedDestinationError(`Refused to connect: ${hostname} is not ${host}.`), []);
      return;
    }
    dnsLookup(hostname, { family: options.family ?? 0, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      if (options.all) return callback(null, addresses);
      const first = addresses[0];
      if (!first)
        return callback(
          Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }),
          [],
        );
      callback(null, first.address, first.family);
    });
  };
}

export interface OutboundResponse {
  statusCode: number;
  /** The first `maxResponseChars` characters of the body, for the delivery log. */
  body: string;
  latencyMs: number;
}

export interface OutboundRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  /** Whole-request budget: connect, send, answer. */
  timeoutMs: number;
  maxResponseChars?: number;
}

/**
 * An HTTP client bound to one policy. `post()` either answers (any status, never following a
 * redirect) or throws: `BlockedDestinationError`, a timeout, or a network error.
 */
export function createOutboundClient(policy: OutboundPolicy) {
  const dispatcher: Dispatcher = new Agent({
    connect: { lookup: guardedLookup(policy) as never, timeout: 10_000 },
    // Deliveries go to many hosts rarely; do not hold idle sockets to them.
    keepAliveTimeout: 1_000,
  });
  // A separate pool for the own endpoint, so its unguarded resolution serves no other request.
  const ownEndpoint = policy.ownEndpoint ?? null;
  const ownDispatcher: Dispatcher | null = ownEndpoint
    ? new Agent({
        connect: { lookup: ownEndpointLookup(ownEndpoint) as never, timeout: 10_000 },
        keepAliveTimeout: 1_000,
      })
    : null;

  async function post(req: OutboundRequest): Promise<OutboundResponse> {
    const url = new URL(req.url);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new BlockedDestinationError(`${url.protocol} URLs are not allowed`);
    }
    const own = ownDispatcher !== null && isOwnEndpoint(url, ownEndpoint);
    // An IP literal never goes through lookup, so it is judged here (names again after DNS).
    const reason = own ? null : hostRefusal(url, policy);
    if (reason) throw new BlockedDestinationError(`Refused to connect to ${reason}.`);
    const started = performance.now();
    const signal = AbortSignal.timeout(req.timeoutMs);
    const response = await request(url, {
      method: 'POST',
      headers: req.headers,
      body: req.body,
      dispatcher: own && ownDispatcher ? ownDispatcher : dispatcher,
      signal,
    });
    const limit = req.maxResponseChars ?? 2_048;
    let text = '';
    try {
      for await (const chunk of response.body) {
        text += Buffer.from(chunk as Uint8Array).toString('utf8');
        if (text.length >= limit) break;
      }
    } finally {
      // Stop reading what we will not keep; the socket is discarded rather than drained.
      response.body.destroy();
    }
    return {
      statusCode: response.statusCode,
      body: text.slice(0, limit),
      latencyMs: Math.round(performance.now() - started),
    };
  }

  return {
    post,
    close: async () => {
      await Promise.all([dispatcher.close(), ownDispatcher?.close()]);
    },
  };
}

export type OutboundClient = ReturnType<typeof createOutboundClient>;
