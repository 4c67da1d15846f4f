import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isValidKey, type Storage } from '../platform/object-store';
import { checkObjectSignature, SIGNED_OBJECTS_PATH } from '../platform/object-store/signing';
import type { ByteRange } from '../platform/object-store/store';

/** `bytes=a-b`, `bytes=a-`, `bytes=-n`: one range, as players ask; null for anything else. */
function parseRange(header: string | undefined, size: number): ByteRange | 'unsatisfiable' | null {
  const match = /^bytes=(\d*)-(\d*)$/.exec(header?.trim() ?? '');
  if (!match || (match[1] === '' && match[2] === '')) return null;
  let start: number;
  let end: number;
  if (match[1] === '') {
    start = Math.max(0, size - Number(match[2]));
    end = size - 1;
  } else {
    start = Number(match[1]);
    end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  }
  if (start > end || start >= size) return 'unsatisfiable';
  return { start, end };
}

function refuse(
  reply: FastifyReply,
  request: FastifyRequest,
  status: number,
  code: string,
  message: string,
) {
  return reply
    .code(status)
    .header('cache-control', 'no-store')
    .send({ ok: false, error: { code, message, details: [] }, request_id: request.id });
}

/**
 * The filesystem store's signed downloads: `GET /storage/objects/<key>?expires&type&name&signature`.
 * No API key: the HMAC signature (over key, expiry, type and name) is the credential, so the
 * stable URL's redirect and the admin's player both work from a plain link. Answers single byte
 * ranges (`206`), as video players ask for them.
 */
export function registerSignedObjectRoute(app: FastifyInstance, storage: Storage) {
  app.get<{
    Params: { '*': string };
    Querystring: Record<string, string | undefined>;
  }>(`${SIGNED_OBJECTS_PATH}/*`, async (request, reply) => {
    const key = request.params['*'];
    const { expires, type, name, signature } = request.query;
    if (
      !isValidKey(key) ||
      !expires ||
      !/^\d{1,12}$/.test(expires) ||
      !type ||
      !name ||
      !signature
    ) {
      return refuse(reply, request, 403, 'forbidden', 'This download link is not valid.');
    }
    const check = checkObjectSignature(
      storage.signingKey,
      { key, expires: Number(expires), contentType: type, filename: name },
      signature,
    );
    if (check !== 'valid') {
      return refuse(
        reply,
        request,
        403,
        'forbidden',
        check === 'expired'
          ? 'This download link has expired: ask the API for the video again.'
          : 'This download link is not valid.',
      );
    }
    const head = await storage.store.get(key, { start: 0, end: 0 });
    if (!head) return refuse(reply, request, 404, 'not_found', 'The video is no longer stored.');
    head.body.destroy();
    const range = parseRange(request.headers.range, head.size);
    if (range === 'unsatisfiable') {
      return reply.code(416).header('content-range', `bytes */${head.size}`).send();
    }
    const object = await storage.store.get(key, range ?? undefined);
    if (!object) return refuse(reply, request, 404, 'not_found', 'The video is no longer stored.');
    // Served from the admin's own origin: whatever a provider delivered must never run there.
    const playable = /^(video|audio)\/|^image\/(png|jpeg|gif|webp)$/.test(type);
    reply
      .header('content-type', type)
      .header('content-length', String(object.length))
      .header('accept-ranges', 'bytes')
      .header(
        'content-disposition',
        `${playable ? 'inline' : 'attachment'}; filename="${name.replace(/["\\\r\n]/g, '')}"`,
      )
      .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; sandbox")
      .header('cache-control', 'private, no-store')
      .header('x-content-type-options', 'nosniff');
    if (range)
      reply.code(206).header('content-range', `bytes ${range.start}-${range.end}/${object.size}`);
    return reply.send(object.body);
  });
}
