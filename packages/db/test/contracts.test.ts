import {
  BATCH_STATUSES,
  BUDGET_ENFORCEMENTS,
  BUDGET_SCOPES,
  DELIVERY_STATUSES,
  FINANCE_ALERT_KINDS,
  LEDGER_REF_TYPES,
  SETTLEMENT_STATUSES,
  STAFF_ROLES,
  TASK_STATUSES,
} from '@batchreel/contracts';
import { describe, expect, expectTypeOf, it } from 'vitest';
import * as enums from '../src/generated/prisma/enums';

// The statuses the API, the admin app and the client share (@batchreel/contracts) are PostgreSQL
// enums too. The generated Prisma client's enum objects are what schema.prisma says (and
// schema-parity.test.ts checks that the migrations build the same enums): a status added, removed
// or reordered on one side only fails here.

/** Every shared enum of the schema, with the contracts' list it must equal. */
const SHARED: Record<string, [generated: Record<string, string>, contract: readonly string[]]> = {
  BatchStatus: [enums.BatchStatus, BATCH_STATUSES],
  SettlementStatus: [enums.SettlementStatus, SETTLEMENT_STATUSES],
  TaskStatus: [enums.TaskStatus, TASK_STATUSES],
  LedgerRefType: [enums.LedgerRefType, LEDGER_REF_TYPES],
  WebhookDeliveryStatus: [enums.WebhookDeliveryStatus, DELIVERY_STATUSES],
  AdminRole: [enums.AdminRole, STAFF_ROLES],
  BudgetScope: [enums.BudgetScope, BUDGET_SCOPES],
  BudgetEnforcement: [enums.BudgetEnforcement, BUDGET_ENFORCEMENTS],
  FinanceAlertKind: [enums.FinanceAlertKind, FINANCE_ALERT_KINDS],
};

/**
 * Enums that never leave the server (no answer or screen shows them as a list; a provider cost's
 * source only splits the cost report into reported and estimated sums).
 */
const INTERNAL = ['AccountStatus', 'IdempotencyStatus', 'ProviderCostSource'];

describe('database enums and @batchreel/contracts', () => {
  it('list the same members in the same order', () => {
    for (const [name, [generated, contract]] of Object.entries(SHARED)) {
      expect(Object.values(generated), name).toEqual([...contract]);
    }
  });

  it('leave no enum of the schema unaccounted for', () => {
    const schemaEnums = Object.keys(enums).sort();
    expect(schemaEnums).toEqual([...Object.keys(SHARED), ...INTERNAL].sort());
  });

  it('have the same types', () => {
    expectTypeOf<enums.BatchStatus>().toEqualTypeOf<(typeof BATCH_STATUSES)[number]>();
    expectTypeOf<enums.SettlementStatus>().toEqualTypeOf<(typeof SETTLEMENT_STATUSES)[number]>();
    expectTypeOf<enums.TaskStatus>().toEqualTypeOf<(typeof TASK_STATUSES)[number]>();
    expectTypeOf<enums.LedgerRefType>().toEqualTypeOf<(typeof LEDGER_REF_TYPES)[number]>();
    expectTypeOf<enums.WebhookDeliveryStatus>().toEqualTypeOf<(typeof DELIVERY_STATUSES)[number]>();
    expectTypeOf<enums.AdminRole>().toEqualTypeOf<(typeof STAFF_ROLES)[number]>();
    expectTypeOf<enums.BudgetScope>().toEqualTypeOf<(typeof BUDGET_SCOPES)[number]>();
    expectTypeOf<enums.BudgetEnforcement>().toEqualTypeOf<(typeof BUDGET_ENFORCEMENTS)[number]>();
    expectTypeOf<enums.FinanceAlertKind>().toEqualTypeOf<(typeof FINANCE_ALERT_KINDS)[number]>();
  });
});
