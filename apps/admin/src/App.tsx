import { createTheme, MantineProvider } from '@mantine/core';
import { Notifications } from '@mantine/notifications';
import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { getQueryKey } from '@trpc/react-query';
import { lazy, type ReactNode, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { BrowserRouter, Navigate, Route, Routes } from 'react-router';
import { RequireAuth, RequireRole } from './auth';
import { errorCode, notifyError } from './components/errors';
import { Layout } from './components/Layout';
import { i18n } from './i18n';
import { AccountsPage } from './pages/AccountsPage';
import { AuditPage } from './pages/AuditPage';
import { BatchesPage } from './pages/BatchesPage';
import { BatchPage } from './pages/BatchPage';
import { FailedTasksPage } from './pages/FailedTasksPage';
import { IntegrityPage } from './pages/IntegrityPage';
import { LedgerPage } from './pages/LedgerPage';
import { LoginPage } from './pages/LoginPage';
import { NotFoundPage } from './pages/NotFoundPage';
import { UsersPage } from './pages/UsersPage';
import { WebhooksPage } from './pages/WebhooksPage';
import { createTrpcClient, trpc } from './trpc';

// The screens with heavy libraries (recharts, papaparse, the finance page's charts) load when
// first opened, and so does the admin-only catalogue, which most staff never open.
const DashboardPage = lazy(() =>
  import('./pages/DashboardPage').then((m) => ({ default: m.DashboardPage })),
);
const CataloguePage = lazy(() =>
  import('./pages/CataloguePage').then((m) => ({ default: m.CataloguePage })),
);
const ProviderCostsPage = lazy(() =>
  import('./pages/ProviderCostsPage').then((m) => ({ default: m.ProviderCostsPage })),
);
const FinancePage = lazy(() =>
  import('./pages/FinancePage').then((m) => ({ default: m.FinancePage })),
);
const NewBatchPage = lazy(() =>
  import('./pages/NewBatchPage').then((m) => ({ default: m.NewBatchPage })),
);

const FONTS = "'Inter Variable', 'Noto Sans SC Variable', sans-serif";
const theme = createTheme({
  primaryColor: 'indigo',
  defaultRadius: 'sm',
  fontFamily: FONTS,
  headings: { fontFamily: FONTS },
});

/** Client errors that a retry cannot fix. */
const FINAL = new Set([
  'BAD_REQUEST',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'NOT_FOUND',
  'PRECONDITION_FAILED',
  'CONFLICT',
]);

/** Asking the server who is signed in again; `RequireAuth` then acts on the answer. */
const ME_KEY = getQueryKey(trpc.auth.me);
const isMeQuery = (key: readonly unknown[]) => JSON.stringify(key[0]) === JSON.stringify(ME_KEY[0]);

function createQueryClient() {
  const client: QueryClient = new QueryClient({
    defaultOptions: {
      queries: {
        retry: (failures, error) => !FINAL.has(errorCode(error) ?? '') && failures < 2,
        staleTime: 5_000,
      },
    },
    queryCache: new QueryCache({
      onError: (error, query) => {
        // A session that ended (expiry, another tab signed out, user disabled): ask who we are
        // again; RequireAuth then sends the user to the sign-in page.
        if (errorCode(error) === 'UNAUTHORIZED' && !isMeQuery(query.queryKey)) {
          void client.invalidateQueries({ queryKey: ME_KEY });
        }
      },
    }),
    mutationCache: new MutationCache({
      // Every failed action is reported the same way, unless its form shows the error itself.
      onError: (error, _variables, _context, mutation) => {
        if (!mutation.options.meta?.silent) notifyError(i18n.t, error);
        if (errorCode(error) === 'UNAUTHORIZED')
          void client.invalidateQueries({ queryKey: ME_KEY });
      },
    }),
  });
  return client;
}

function Providers({ children }: { children: ReactNode }) {
  const [queryClient] = useState(createQueryClient);
  const [trpcClient] = useState(createTrpcClient);
  return (
    <trpc.Provider client={trpcClient} queryClient={queryClient}>
      <QueryClientProvider client={queryClient}>
        <MantineProvider theme={theme} defaultColorScheme="light">
          <Notifications position="top-right" />
          {children}
        </MantineProvider>
      </QueryClientProvider>
    </trpc.Provider>
  );
}

/** The admin SPA: providers, then routes under /admin (the API serves index.html for all). */
export function App() {
  // Re-render the tree when the language changes.
  useTranslation();
  return (
    <Providers>
      <BrowserRouter basename="/admin">
        <Routes>
          <Route path="/login" element={<LoginPage />} />
          <Route
            element={
              <RequireAuth>
                <Layout />
              </RequireAuth>
            }
          >
            <Route index element={<Navigate to="/batches" replace />} />
            <Route path="/batches" element={<BatchesPage />} />
            <Route
              path="/batches/new"
              element={
                <RequireRole needs="finance">
                  <NewBatchPage />
                </RequireRole>
              }
            />
            <Route path="/batches/:batchId" element={<BatchPage />} />
            <Route path="/failed-tasks" element={<FailedTasksPage />} />
            <Route path="/accounts" element={<AccountsPage />} />
            <Route path="/webhooks" element={<WebhooksPage />} />
            <Route
              path="/ledger"
              element={
                <RequireRole needs="finance">
                  <LedgerPage />
                </RequireRole>
              }
            />
            <Route
              path="/dashboard"
              element={
                <RequireRole needs="finance">
                  <DashboardPage />
                </RequireRole>
              }
            />
            <Route
              path="/provider-costs"
              element={
                <RequireRole needs="finance">
                  <ProviderCostsPage />
                </RequireRole>
              }
            />
            <Route
              path="/finance"
              element={
                <RequireRole needs="finance">
                  <FinancePage />
                </RequireRole>
              }
            />
            <Route
              path="/integrity"
              element={
                <RequireRole needs="finance">
                  <IntegrityPage />
                </RequireRole>
              }
            />
            <Route
              path="/audit"
              element={
                <RequireRole needs="finance">
                  <AuditPage />
                </RequireRole>
              }
            />
            <Route
              path="/users"
              element={
                <RequireRole needs="admin">
                  <UsersPage />
                </RequireRole>
              }
            />
            <Route
              path="/catalogue"
              element={
                <RequireRole needs="admin">
                  <CataloguePage />
                </RequireRole>
              }
            />
            <Route path="*" element={<NotFoundPage />} />
          </Route>
        </Routes>
      </BrowserRouter>
    </Providers>
  );
}
