import { Alert, Center } from '@mantine/core';
import { createContext, type ReactNode, useContext } from 'react';
import { useTranslation } from 'react-i18next';
import { Navigate, useLocation } from 'react-router';
import { ErrorNotice, Loading } from './components/QueryState';
import { type RouterOutputs, trpc } from './trpc';

export type StaffUser = NonNullable<RouterOutputs['auth']['me']>;
export type Role = StaffUser['role'];

/** Mirrors the server's ordering (support < finance < admin); the server enforces it anyway. */
const RANK: Record<Role, number> = { support: 1, finance: 2, admin: 3 };
export const hasRole = (user: Pick<StaffUser, 'role'>, role: Role) => RANK[user.role] >= RANK[role];

const UserContext = createContext<StaffUser | null>(null);

/** The signed-in staff member (inside `RequireAuth`). */
export function useUser(): StaffUser {
  const user = useContext(UserContext);
  if (!user) throw new Error('useUser() outside <RequireAuth>');
  return user;
}

/** Whether the signed-in user has at least `role`. */
export function useCan(role: Role) {
  return hasRole(useUser(), role);
}

/** Who is signed in; `null` when nobody is. */
export const useMe = () => trpc.auth.me.useQuery(undefined, { staleTime: 60_000 });

/**
 * Everything but the sign-in page sits behind this: without a session the user is sent to
 * /login, remembering where they were going.
 */
export function RequireAuth({ children }: { children: ReactNode }) {
  const me = useMe();
  const location = useLocation();
  if (me.data === undefined) {
    return (
      <Center h="100vh">
        {me.isError ? <ErrorNotice error={me.error} onRetry={me.refetch} /> : <Loading />}
      </Center>
    );
  }
  if (me.data === null) return <Navigate to="/login" replace state={{ from: location }} />;
  return <UserContext value={me.data}>{children}</UserContext>;
}

/** The notice a role too low for a view sees instead of it (no request is made). */
export function RoleNotice({ needs }: { needs: Role }) {
  const { t } = useTranslation();
  const user = useUser();
  return (
    <Alert
      color="yellow"
      title={t('roleNotice.title', { role: t(`roles.${needs}`) })}
      data-testid="role-notice"
    >
      {t('roleNotice.body', { current: t(`roles.${user.role}`) })}
    </Alert>
  );
}

/** Renders its children only for the `needs` role and above. */
export function RequireRole({ needs, children }: { needs: Role; children: ReactNode }) {
  return useCan(needs) ? children : <RoleNotice needs={needs} />;
}
