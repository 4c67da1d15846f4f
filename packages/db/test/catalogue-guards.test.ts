import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createAccount, createBatch, createModel } from '../src/testing';
import { guardDatabase, refusal } from './support/guard-database';

// The catalogue's and the provider costs' guards in the database itself (issue 15): one price
// per model, whole positive rates for every allowed size, retirement for good, admitted prices
// final, provider cost records append-only.

const g = guardDatabase();

const insertModel = (columns: Record<string, unknown>) => {
  const row = {
    id: `m-${randomUUID().slice(0, 8)}`,
    display_name: 'x',
    provider: 'simulator',
    provider_model: 'x',
    price_credits: null,
    price_per_second: null,
    allowed_sizes: ['1280x720'],
    ...columns,
  };
  const names = Object.keys(row);
  const JSON_COLUMNS = ['price_per_second', 'provider_cost_per_second'];
  const values = Object.entries(row).map(([name, v]) =>
    JSON_COLUMNS.includes(name) && v !== null ? JSON.stringify(v) : v,
  );
  return g.sql.query(
    `INSERT INTO models (${names.join(', ')}) VALUES (${names.map((_, i) => `$${i + 1}`).join(', ')})`,
    values,
  );
};

describe('catalogue guards', () => {
  it('accepts a flat price or a per-second price covering every allowed size', async () => {
    await insertModel({ price_credits: 10 });
    await insertModel({ price_per_second: { '1280x720': 3 } });
    await insertModel({
      price_per_second: { '1280x720': 3, '1920x1080': 5 },
      provider_cost_per_second: { '1280x720': 0 },
      provider_cost_unit: 'usd_micros',
    });
  });

  it('refuses both prices or none, fractional, zero or missing rates, and half a provider cost', async () => {
    for (const [columns, guard] of [
      [{ price_credits: 10, price_per_second: { '1280x720': 3 } }, 'models_one_pricing'],
      [{}, 'models_one_pricing'],
      [{ price_per_second: { '1280x720': 2.5 } }, 'models_price_per_second_valid'],
      [{ price_per_second: { '1280x720': 0 } }, 'models_price_per_second_valid'],
      [{ price_per_second: { '1280x720': '3' } }, 'models_price_per_second_valid'],
      [{ price_per_second: { '1920x1080': 3 } }, 'models_price_per_second_valid'],
      [{ price_per_second: [3] }, 'models_price_per_second_valid'],
      [
        { price_credits: 1, provider_cost_per_second: { '1280x720': 5 } },
        'models_provider_cost_valid',
      ],
      [
        {
          price_credits: 1,
          provider_cost_per_second: { '1280x720': -1 },
          provider_cost_unit: 'usd_micros',
        },
        'models_provider_cost_valid',
      ],
      [
        {
          price_credits: 1,
          provider_cost_per_second: { '1280x720': 1 },
          provider_cost_unit: 'US dollars',
        },
        'models_provider_cost_unit_format',
      ],
      [{ price_credits: 1, allowed_seconds: [4, 0] }, 'models_allowed_seconds_positive'],
    ] as const) {
      const error = await refusal(insertModel(columns));
      expect(error.constraint, JSON.stringify(columns)).toBe(guard);
    }
  });

  it('keeps a retired model retired and disabled, replaced by another model only', async () => {
    const model = await createModel(g.db);
    const other = await createModel(g.db);
    expect(
      (
        await refusal(
          g.db.model.update({ where: { id: model.id }, data: { replacedBy: other.id } }),
        )
      ).constraint,
    ).toBe('models_replacement_when_retired');
    expect(
      (
        await refusal(
          g.db.model.update({
            where: { id: model.id },
            data: { retiredAt: new Date(), enabled: true },
          }),
        )
      ).constraint,
    ).toBe('models_retired_disabled');
    expect(
      (
        await refusal(
          g.db.model.update({
            where: { id: model.id },
            data: { retiredAt: new Date(), enabled: false, replacedBy: model.id },
          }),
        )
      ).constraint,
    ).toBe('models_replacement_not_self');
    await g.db.model.update({
      where: { id: model.id },
      data: { retiredAt: new Date(), enabled: false, replacedBy: other.id },
    });
    for (const data of [{ enabled: true }, { retiredAt: null }, { replacedBy: null }]) {
      const error = await refusal(g.db.model.update({ where: { id: model.id }, data }));
      expect(error.message).toMatch(/is retired/);
    }
  });

  it('never changes the price a task was admitted at', async () => {
    const account = await createAccount(g.db, { credits: 100 });
    const model = await createModel(g.db, { priceCredits: 10 });
    const { tasks } = await createBatch(g.db, { accountId: account.id, model, taskCount: 1 });
    const error = await refusal(
      g.sql.query('UPDATE video_tasks SET cost_credits = 11 WHERE id = $1', [tasks[0]?.id]),
    );
    expect(error.message).toMatch(/admitted at 10 credits; its price cannot change/);
    // Other columns of the task still change as the executor needs.
    await g.sql.query(`UPDATE video_tasks SET model = model, status = 'running' WHERE id = $1`, [
      tasks[0]?.id,
    ]);
  });

  it('keeps provider cost records append-only, whole and non-negative', async () => {
    const account = await createAccount(g.db, { credits: 100 });
    const model = await createModel(g.db, { priceCredits: 10 });
    const { batch, tasks } = await createBatch(g.db, {
      accountId: account.id,
      model,
      taskCount: 1,
    });
    const insert = (amount: number, attempt = 1, unit = 'usd_micros') =>
      g.sql.query(
        `INSERT INTO provider_costs (task_id, attempt, batch_id, account_id, model, provider, amount, unit, source)
         VALUES ($1, $2, $3, $4, $5, 'simulator', $6, $7, 'provider')`,
        [tasks[0]?.id, attempt, batch.id, account.id, model.id, amount, unit],
      );
    await insert(400_000);
    expect((await refusal(insert(1))).constraint).toBe('provider_costs_task_id_attempt_key');
    expect((await refusal(insert(-1, 2))).constraint).toBe('provider_costs_amount_non_negative');
    expect((await refusal(insert(1, 0))).constraint).toBe('provider_costs_attempt_positive');
    expect((await refusal(insert(1, 3, 'USD'))).constraint).toBe('provider_costs_unit_format');
    for (const statement of [
      'UPDATE provider_costs SET amount = 1',
      'DELETE FROM provider_costs',
      'TRUNCATE provider_costs',
    ]) {
      expect((await refusal(g.sql.query(statement))).message).toMatch(/append-only/);
    }
  });

  it('values a credit at a whole positive amount', async () => {
    for (const perCredit of [0, -5]) {
      const error = await refusal(
        g.sql.query(
          `INSERT INTO credit_values (unit, per_credit, updated_by) VALUES ('usd_micros', $1, 'test')`,
          [perCredit],
        ),
      );
      expect(error.constraint).toBe('credit_values_per_credit_positive');
    }
  });
});
