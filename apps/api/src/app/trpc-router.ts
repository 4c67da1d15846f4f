import { accountsAdminRouter } from '../accounts/admin-router';
import { authRouter } from '../admin/auth-router';
import { usersAdminRouter } from '../admin/users-router';
import { batchesAdminRouter } from '../batches/admin-router';
import { costsAdminRouter } from '../costs/admin-router';
import { retirementAdminRouter } from '../execution/retirement-router';
import { financeAdminRouter } from '../finance/admin-router';
import { ledgerAdminRouter } from '../ledger/admin-router';
import { modelsAdminRouter } from '../models/admin-router';
import { outputsAdminRouter } from '../outputs/admin-router';
import { mergeRouters, router } from '../trpc/trpc';
import { webhooksAdminRouter } from '../webhooks/admin-router';

/** Every procedure of the admin app, by domain. The SPA imports only its type. */
export const appRouter = router({
  auth: authRouter,
  batches: batchesAdminRouter,
  accounts: accountsAdminRouter,
  ledger: ledgerAdminRouter,
  webhooks: webhooksAdminRouter,
  users: usersAdminRouter,
  models: mergeRouters(modelsAdminRouter, retirementAdminRouter),
  costs: costsAdminRouter,
  storage: outputsAdminRouter,
  finance: financeAdminRouter,
});

export type AppRouter = typeof appRouter;
