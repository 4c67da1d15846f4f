import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { expect } from 'vitest';

/** The parts of an OpenAPI 3.1 document the conformance checks read. */
export interface OpenApiDoc {
  openapi: string;
  paths: Record<string, Record<string, OpenApiOperation | undefined> | undefined>;
  components?: { schemas?: Record<string, unknown> };
}

interface OpenApiHeader {
  required?: boolean;
  schema?: { type?: string; enum?: string[] };
}

interface OpenApiOperation {
  operationId?: string;
  responses: Record<
    string,
    | {
        headers?: Record<string, OpenApiHeader>;
        content?: Record<string, { schema?: unknown }>;
      }
    | undefined
  >;
}

export interface ConformanceInput {
  method: string;
  /** The path template as the document names it, e.g. `/api/enterprise/video-batch/{id}`. */
  path: string;
  status: number;
  body: unknown;
  /** Response headers (lower-case names); declared ones are checked when present or required. */
  headers?: Record<string, string>;
}

export interface CheckedResponse<Body = unknown> {
  status: number;
  headers: Record<string, string>;
  /** The parsed JSON body; the type parameter is the caller's claim, checked by the document. */
  body: Body;
  /** The body as received, to search for leaked internals. */
  text: string;
}

/** The served document, fetched over HTTP like a client would. */
export async function loadOpenApi(baseUrl: string): Promise<OpenApiDoc> {
  const response = await fetch(`${baseUrl}/api/enterprise/openapi.json`);
  expect(response.status, 'GET /api/enterprise/openapi.json').toBe(200);
  const doc = (await response.json()) as OpenApiDoc;
  expect(doc.openapi).toMatch(/^3\.1\./);
  return doc;
}

/** A conformance failure: thrown so a test (or a test of the checker) sees the message. */
class ConformanceError extends Error {
  override name = 'ConformanceError';
}

function fail(message: string): never {
  throw new ConformanceError(message);
}

const DOC_ID = 'https://batchreel.test/openapi.json';
const validators = new WeakMap<
  OpenApiDoc,
  { ajv: Ajv2020; byPointer: Map<string, ValidateFunction> }
>();

/** JSON-pointer escaping of one reference token (RFC 6901), then URI-fragment safe. */
const token = (segment: string) =>
  encodeURIComponent(segment.replaceAll('~', '~0').replaceAll('/', '~1'));

/** A validator for the schema at `pointer` inside the document; `$ref`s resolve against it. */
function validatorAt(doc: OpenApiDoc, pointer: string): ValidateFunction {
  let entry = validators.get(doc);
  if (!entry) {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    // The whole document under one $id: `#/components/schemas/...` refs resolve inside it.
    ajv.addSchema({ ...doc, $id: DOC_ID }, DOC_ID, undefined, false);
    entry = { ajv, byPointer: new Map() };
    validators.set(doc, entry);
  }
  let validate = entry.byPointer.get(pointer);
  if (!validate) {
    validate = entry.ajv.compile({ $ref: `${DOC_ID}#${pointer}` });
    entry.byPointer.set(pointer, validate);
  }
  return validate;
}

function describeErrors(errors: ErrorObject[] | null | undefined): string {
  return (errors ?? [])
    .map(
      (e) =>
        `  - ${e.instancePath || '(root)'} ${e.message ?? e.keyword} ${JSON.stringify(e.params)}`,
    )
    .join('\n');
}

function assertValid(validate: ValidateFunction, body: unknown, what: string) {
  if (validate(body)) return;
  fail(
    `${what}: the body does not match the document's schema:\n${describeErrors(validate.errors)}\nbody: ${JSON.stringify(body).slice(0, 2000)}`,
  );
}

/**
 * Asserts that the document declares `status` for the operation and that `body` validates
 * against its `application/json` schema (and declared headers against theirs, when given).
 */
export function expectConformance(doc: OpenApiDoc, input: ConformanceInput): void {
  const method = input.method.toLowerCase();
  const what = `${input.method.toUpperCase()} ${input.path} → ${input.status}`;
  const operation = doc.paths[input.path]?.[method];
  if (!operation) fail(`${what}: the document has no operation ${method} ${input.path}`);
  const response = operation.responses[String(input.status)];
  if (!response) {
    fail(
      `${what}: status ${input.status} is not declared (declared: ${Object.keys(operation.responses).join(', ')})`,
    );
  }
  // A download (a statement as CSV or PDF): its media type must be declared for the status.
  const mediaType = input.headers?.['content-type']?.split(';')[0]?.trim();
  if (mediaType && mediaType !== 'application/json') {
    if (!response.content?.[mediaType]) {
      fail(
        `${what}: answered ${mediaType}, declared: ${Object.keys(response.content ?? {}).join(', ')}`,
      );
    }
    return;
  }
  if (!response.content?.['application/json']?.schema) {
    fail(`${what}: no application/json schema declared`);
  }
  const pointer = ['paths', input.path, method, 'responses', String(input.status)]
    .concat(['content', 'application/json', 'schema'])
    .map(token)
    .join('/');
  assertValid(validatorAt(doc, `/${pointer}`), input.body, what);

  for (const [name, header] of Object.entries(response.headers ?? {})) {
    const value = input.headers?.[name.toLowerCase()];
    if (value === undefined) {
      if (header.required && input.headers) fail(`${what}: required header ${name} missing`);
      continue;
    }
    if (header.schema?.type === 'integer' && !/^\d+$/.test(value)) {
      fail(`${what}: header ${name} must be an integer, got ${JSON.stringify(value)}`);
    }
    if (header.schema?.enum && !header.schema.enum.includes(value)) {
      fail(`${what}: header ${name} must be one of ${header.schema.enum.join(', ')}`);
    }
  }
}

/**
 * Asserts that the document declares `status` for the operation as a download (a file, not JSON)
 * of the content type the answer came with: for streamed answers, whose bodies are files.
 */
export function expectDownloadConformance(
  doc: OpenApiDoc,
  input: { method: string; path: string; status: number; contentType: string },
): void {
  const method = input.method.toLowerCase();
  const what = `${input.method.toUpperCase()} ${input.path} → ${input.status}`;
  const response = doc.paths[input.path]?.[method]?.responses[String(input.status)];
  if (!response) fail(`${what}: status ${input.status} is not declared`);
  const declared = Object.keys(response.content ?? {});
  if (!declared.includes(input.contentType)) {
    fail(`${what}: answered ${input.contentType}, the document declares ${declared.join(', ')}`);
  }
}

/** Asserts that `body` validates against `#/components/schemas/<name>` (e.g. for unknown routes). */
export function expectComponent(doc: OpenApiDoc, name: string, body: unknown): void {
  if (!doc.components?.schemas?.[name]) fail(`the document has no component ${name}`);
  assertValid(validatorAt(doc, `/components/schemas/${token(name)}`), body, `component ${name}`);
}

export interface RequestInput {
  method: string;
  /** The concrete path, with query string. */
  path: string;
  /** The document's path template; defaults to `path` without its query string. */
  template?: string;
  headers?: Record<string, string>;
  /** A JSON value, sent with `Content-Type: application/json` unless `headers` say otherwise. */
  body?: unknown;
  /** Sent exactly as given (no Content-Type is added for bytes): for malformed requests. */
  rawBody?: string | Uint8Array;
}

/** Sends a request over real HTTP and returns the answer after checking it against the document. */
export async function requestAndCheck<Body = unknown>(
  doc: OpenApiDoc,
  baseUrl: string,
  input: RequestInput,
): Promise<CheckedResponse<Body>> {
  const headers: Record<string, string> = { ...input.headers };
  let body: string | Uint8Array | undefined = input.rawBody;
  if (body === undefined && input.body !== undefined) {
    body = JSON.stringify(input.body);
    if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
      headers['content-type'] = 'application/json';
    }
  }
  const response = await fetch(`${baseUrl}${input.path}`, {
    method: input.method,
    headers,
    body,
  });
  const text = await response.text();
  const what = `${input.method} ${input.path} → ${response.status}`;
  expect(response.headers.get('content-type') ?? '', `${what}: content-type`).toMatch(
    /^application\/json/,
  );
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    fail(`${what}: the body is not JSON: ${text.slice(0, 500)}`);
  }
  const responseHeaders = Object.fromEntries(response.headers);
  expectConformance(doc, {
    method: input.method,
    path: input.template ?? input.path.split('?')[0] ?? input.path,
    status: response.status,
    body: parsed,
    headers: responseHeaders,
  });
  return { status: response.status, headers: responseHeaders, body: parsed as Body, text };
}
