// The typed client (@batchreel/client) against the API it calls. Its types are written by hand
// (a package never imports an app), so they are held to the API's own zod schemas from both sides:
// - at compile time (`pnpm typecheck`), every answer type a client method declares must equal
//   what the schema of that operation's success answer infers, field for field, and the request
//   and error types must equal theirs: a field added, renamed, retyped or made nullable on one
//   side only does not compile;
// - at run time, every operation of the served OpenAPI document must be reached by a client
//   method, the method must call that operation, and its answer must validate against the
//   document (as every answer to a TestClient does).
import type * as Client from '@batchreel/client';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import type { z } from 'zod';
import type { BudgetExceededResponseSchema } from '../src/app/openapi';
import {
  BatchAdmittedSchema,
  BatchPageSchema,
  BatchSchema,
  type CreateBatchRequestSchema,
  QuoteResponseSchema,
  RetryAdmittedSchema,
  TaskPageSchema,
} from '../src/batches/schemas';
import {
  AlertPageSchema,
  type BalanceLowEventSchema,
  BudgetListSchema,
  type BudgetThresholdEventSchema,
  ProjectListSchema,
  SignedMonthlyStatementSchema,
  StatementKeySchema,
  StatementListSchema,
} from '../src/finance/schemas';
import type { ErrorResponseSchema, InsufficientCreditsResponseSchema } from '../src/http/schemas';
import { BalanceSchema, LedgerPageSchema } from '../src/ledger/schemas';
import { VideoRedirectSchema } from '../src/outputs/schemas';
import {
  SigningSecretSchema,
  WebhookDeliveryPageSchema,
  WebhookDeliveryResponseSchema,
  type WebhookEventSchema,
} from '../src/webhooks/schemas';
import { startTestApp, type TestApp } from './helpers';
import type { OpenApiDoc } from './support/openapi';
import {
  clientOf,
  DEMO_MODEL,
  documentOf,
  type TestClient,
  templateOf,
  waitUntilSettled,
} from './support/scenarios';
import { eventually, startWebhookReceiver, type WebhookReceiver } from './support/webhook-receiver';

/** What an operation's call needs: a settled batch and one of its delivered webhook events. */
interface Fixtures {
  batchId: string;
  deliveryId: string;
  /** A succeeded task of `batchId`, whose video is stored. */
  taskId: string;
  /** A settled batch with a failed task. */
  failedBatchId: string;
}

interface Operation<Schema extends z.ZodType, Answer> {
  /** The schema of the success answer, as the route declares it. */
  schema: Schema;
  status: number;
  /** The client method's call; its last request is the operation's. */
  call(api: TestClient, fixtures: Fixtures): Promise<Answer>;
}

const operation = <Schema extends z.ZodType, Answer>(op: Operation<Schema, Answer>) => op;

const slowItem = { prompt: 'A slow scene [sim:timeout]', model: DEMO_MODEL };

/** Every operation of the public API (by `operationId`) and the client method that calls it. */
const OPERATIONS = {
  createBatch: operation({
    schema: BatchAdmittedSchema,
    status: 202,
    call: async (api) => (await api.createBatch({ items: [slowItem] })).batch,
  }),
  quoteBatch: operation({
    schema: QuoteResponseSchema,
    status: 200,
    call: (api) => api.quote({ items: [slowItem, { prompt: 'A cat', model: DEMO_MODEL }] }),
  }),
  listBatches: operation({
    schema: BatchPageSchema,
    status: 200,
    call: (api) => api.listBatches({ limit: 2 }),
  }),
  getBatch: operation({
    schema: BatchSchema,
    status: 200,
    call: (api, { batchId }) => api.getBatch(batchId),
  }),
  listBatchTasks: operation({
    schema: TaskPageSchema,
    status: 200,
    call: (api, { batchId }) => api.listTasks(batchId, { limit: 1 }),
  }),
  cancelBatch: operation({
    schema: BatchSchema,
    status: 200,
    call: async (api) => {
      const { batch } = await api.createBatch({ items: [slowItem, slowItem] });
      return api.cancelBatch(batch.batch_id);
    },
  }),
  getBalance: operation({ schema: BalanceSchema, status: 200, call: (api) => api.balance() }),
  listLedger: operation({
    schema: LedgerPageSchema,
    status: 200,
    call: (api) => api.ledger({ limit: 2 }),
  }),
  getWebhookSecret: operation({
    schema: SigningSecretSchema,
    status: 200,
    call: (api) => api.webhookSecret(),
  }),
  rotateWebhookSecret: operation({
    schema: SigningSecretSchema,
    status: 200,
    call: (api) => api.rotateWebhookSecret(60),
  }),
  listWebhookDeliveries: operation({
    schema: WebhookDeliveryPageSchema,
    status: 200,
    call: (api, { batchId }) => api.webhookDeliveries({ batchId }),
  }),
  getWebhookDelivery: operation({
    schema: WebhookDeliveryResponseSchema,
    status: 200,
    call: (api, { deliveryId }) => api.webhookDelivery(deliveryId),
  }),
  redeliverWebhook: operation({
    schema: WebhookDeliveryResponseSchema,
    status: 202,
    call: (api, { deliveryId }) => api.redeliverWebhook(deliveryId),
  }),
  getVideo: operation({
    schema: VideoRedirectSchema,
    status: 302,
    call: (api, { taskId }) => api.videoLink(taskId),
  }),
  retryFailedTasks: operation({
    schema: RetryAdmittedSchema,
    status: 202,
    call: async (api, { failedBatchId }) => (await api.retryFailed(failedBatchId)).batch,
  }),
  listProjects: operation({
    schema: ProjectListSchema,
    status: 200,
    call: (api) => api.listProjects(),
  }),
  listBudgets: operation({ schema: BudgetListSchema, status: 200, call: (api) => api.budgets() }),
  listAlerts: operation({
    schema: AlertPageSchema,
    status: 200,
    call: (api) => api.alerts({ limit: 5 }),
  }),
  listStatements: operation({
    schema: StatementListSchema,
    status: 200,
    call: (api) => api.statements(),
  }),
  getStatementKey: operation({
    schema: StatementKeySchema,
    status: 200,
    call: (api) => api.statementPublicKey(),
  }),
  getStatement: operation({
    schema: SignedMonthlyStatementSchema,
    status: 200,
    // The account's time zone is UTC: this month has the demo's grant and the fixture's batch.
    call: (api) => api.statement(new Date().toISOString().slice(0, 7)),
  }),
};

/** Operations that answer with a file (a stream), by `operationId`, and its content type. */
const DOWNLOADS: Record<
  string,
  { contentType: string; call(api: TestClient, fixtures: Fixtures): Promise<ReadableStream> }
> = {
  getBatchManifestCsv: {
    contentType: 'text/csv; charset=utf-8',
    call: (api, { batchId }) => api.manifest(batchId, 'csv'),
  },
  getBatchManifestJsonl: {
    contentType: 'application/x-ndjson; charset=utf-8',
    call: (api, { batchId }) => api.manifest(batchId, 'jsonl'),
  },
  getBatchVideosZip: {
    contentType: 'application/zip',
    call: (api, { batchId }) => api.videosZip(batchId),
  },
};

type Operations = typeof OPERATIONS;
/** What each client method resolves with … */
type ClientAnswers = { [K in keyof Operations]: Awaited<ReturnType<Operations[K]['call']>> };
/** … and what the API's schema for that operation's answer infers. */
type SchemaAnswers = { [K in keyof Operations]: z.output<Operations[K]['schema']> };

describe('the client types equal the API schemas (checked by the typecheck)', () => {
  it('answers of every operation', () => {
    expectTypeOf<ClientAnswers>().toEqualTypeOf<SchemaAnswers>();
  });

  it('the request body, the error envelopes and the webhook event', () => {
    expectTypeOf<Client.CreateBatchRequest>().toEqualTypeOf<
      z.input<typeof CreateBatchRequestSchema>
    >();
    expectTypeOf<Client.ErrorResponse>().toEqualTypeOf<z.output<typeof ErrorResponseSchema>>();
    expectTypeOf<Client.InsufficientCreditsResponse>().toEqualTypeOf<
      z.output<typeof InsufficientCreditsResponseSchema>
    >();
    expectTypeOf<Client.WebhookEvent>().toEqualTypeOf<z.output<typeof WebhookEventSchema>>();
    expectTypeOf<Client.BudgetExceededResponse>().toEqualTypeOf<
      z.output<typeof BudgetExceededResponseSchema>
    >();
    expectTypeOf<Client.BudgetThresholdCrossedEvent>().toEqualTypeOf<
      z.output<typeof BudgetThresholdEventSchema>
    >();
    expectTypeOf<Client.BalanceLowEvent>().toEqualTypeOf<z.output<typeof BalanceLowEventSchema>>();
  });

  it('the named parts the answers are made of', () => {
    expectTypeOf<Client.Task>().toEqualTypeOf<SchemaAnswers['listBatchTasks']['data'][number]>();
    expectTypeOf<Client.BatchSummary>().toEqualTypeOf<
      SchemaAnswers['listBatches']['data'][number]
    >();
    expectTypeOf<Client.LedgerEntry>().toEqualTypeOf<SchemaAnswers['listLedger']['data'][number]>();
    expectTypeOf<Client.Budget>().toEqualTypeOf<SchemaAnswers['listBudgets']['data'][number]>();
    expectTypeOf<Client.Alert>().toEqualTypeOf<SchemaAnswers['listAlerts']['data'][number]>();
    expectTypeOf<Client.Project>().toEqualTypeOf<SchemaAnswers['listProjects']['data'][number]>();
    expectTypeOf<Client.QuoteBudget>().toEqualTypeOf<
      SchemaAnswers['quoteBatch']['budgets'][number]
    >();
  });
});

describe('the client reaches every operation of the OpenAPI document', () => {
  let t: TestApp;
  let receiver: WebhookReceiver;
  let doc: OpenApiDoc;
  let fixtures: Fixtures;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    t = await startTestApp({ worker: { latencyMs: 10, taskTimeoutMs: 300, retryBaseMs: 50 } });
    doc = await documentOf(t);
    const api = await clientOf(t);
    const { batch } = await api.createBatch({
      items: [{ prompt: 'A lighthouse', model: DEMO_MODEL }],
      webhook_url: receiver.url,
    });
    await waitUntilSettled(t, batch.batch_id);
    const [task] = (await api.listTasks(batch.batch_id)).data;
    const { batch: failing } = await api.createBatch({
      items: [{ prompt: 'Refused [sim:content_policy]', model: DEMO_MODEL }],
    });
    await waitUntilSettled(t, failing.batch_id);
    const delivered = await eventually(
      async () =>
        (await api.webhookDeliveries({ batchId: batch.batch_id })).data.find(
          (d) => d.event_type === 'batch.completed' && d.status === 'delivered',
        ),
      20_000,
      'batch.completed to be delivered',
    );
    fixtures = {
      batchId: batch.batch_id,
      deliveryId: delivered.delivery_id,
      taskId: task?.task_id ?? '',
      failedBatchId: failing.batch_id,
    };
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });

  /** `operationId` → method, path template, success status and the schema id of its answer. */
  const documented = () =>
    Object.entries(doc.paths).flatMap(([template, methods]) =>
      Object.entries(methods ?? {}).flatMap(([method, op]) => {
        if (!op?.operationId) return [];
        const [status, answer] =
          Object.entries(op.responses).find(([code]) => /^[23]/.test(code)) ?? [];
        const schema = answer?.content?.['application/json']?.schema as { $ref?: string };
        return [
          { id: op.operationId, method, template, status: Number(status), ref: schema?.$ref },
        ];
      }),
    );

  it('names a client method for every operation, and no other', () => {
    expect(
      documented()
        .map((op) => op.id)
        .sort(),
    ).toEqual([...Object.keys(OPERATIONS), ...Object.keys(DOWNLOADS)].sort());
  });

  it("pairs each operation with the schema its route answers with (the document's component)", () => {
    for (const op of documented()) {
      if (op.id in DOWNLOADS) {
        expect(op.ref, `${op.id} answers with a file, not a JSON component`).toBeUndefined();
        continue;
      }
      const { schema, status } = OPERATIONS[op.id as keyof Operations];
      expect({ id: op.id, status: op.status, ref: op.ref }).toEqual({
        id: op.id,
        status,
        ref: `#/components/schemas/${(schema.meta() as { id: string }).id}`,
      });
    }
  });

  it('calls each operation through its method and gets an answer the document declares', async () => {
    for (const op of documented()) {
      const api = await clientOf(t);
      const download = DOWNLOADS[op.id];
      const answer = download
        ? await download.call(api, fixtures)
        : await OPERATIONS[op.id as keyof Operations].call(api, fixtures);
      expect(answer, op.id).toBeTruthy();
      if (download) {
        expect(api.last.responseHeaders['content-type'], op.id).toBe(download.contentType);
        await (answer as ReadableStream).cancel();
      }
      const { method, path, status } = api.last;
      expect(
        { method: method.toLowerCase(), template: templateOf(doc, method, path), status },
        op.id,
      ).toEqual({ method: op.method, template: op.template, status: op.status });
    }
  });
});
