import {
  AppShell,
  Badge,
  Burger,
  Button,
  Group,
  NavLink,
  ScrollArea,
  Text,
  Title,
} from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useQueryClient } from '@tanstack/react-query';
import { Suspense } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, Outlet, useLocation, useNavigate } from 'react-router';
import { hasRole, type Role, useUser } from '../auth';
import type { en } from '../i18n/en';
import { trpc } from '../trpc';
import { notifySuccess } from './errors';
import { LanguageSwitch } from './LanguageSwitch';
import { Loading } from './QueryState';

/** The navigation, by the least role that may use each screen (the server enforces it too). */
const NAV: { to: string; label: keyof typeof en.nav; role: Role }[] = [
  { to: '/batches', label: 'batches', role: 'support' },
  { to: '/batches/new', label: 'newBatch', role: 'finance' },
  { to: '/failed-tasks', label: 'failedTasks', role: 'support' },
  { to: '/accounts', label: 'accounts', role: 'support' },
  { to: '/ledger', label: 'ledger', role: 'finance' },
  { to: '/dashboard', label: 'dashboard', role: 'finance' },
  { to: '/provider-costs', label: 'providerCosts', role: 'finance' },
  { to: '/finance', label: 'finance', role: 'finance' },
  { to: '/webhooks', label: 'webhooks', role: 'support' },
  { to: '/integrity', label: 'integrity', role: 'finance' },
  { to: '/audit', label: 'audit', role: 'finance' },
  { to: '/catalogue', label: 'catalogue', role: 'admin' },
  { to: '/users', label: 'users', role: 'admin' },
];

/** Whether `pathname` is `to` itself or below it, without /batches/new also lighting /batches. */
function isActive(pathname: string, to: string) {
  if (pathname === to) return true;
  if (!pathname.startsWith(`${to}/`)) return false;
  return !NAV.some((n) => n.to !== to && n.to.startsWith(`${to}/`) && pathname.startsWith(n.to));
}

export function Layout() {
  const { t } = useTranslation();
  const user = useUser();
  const [opened, { toggle, close }] = useDisclosure();
  const location = useLocation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const utils = trpc.useUtils();
  const signOut = trpc.auth.signOut.useMutation({
    onSettled: () => {
      // Nothing of the previous user's data may linger for the next one.
      queryClient.clear();
      utils.auth.me.setData(undefined, null);
      notifySuccess(t('app.signedOut'));
      void navigate('/login', { replace: true });
    },
  });

  return (
    <AppShell
      header={{ height: 56 }}
      navbar={{ width: 220, breakpoint: 'sm', collapsed: { mobile: !opened } }}
      padding="md"
    >
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger
              opened={opened}
              onClick={toggle}
              hiddenFrom="sm"
              size="sm"
              aria-label={t('app.toggleNavigation')}
            />
            <Title order={4}>{t('app.title')}</Title>
          </Group>
          <Group gap="sm" wrap="nowrap">
            <LanguageSwitch />
            <Group gap={6} wrap="nowrap" visibleFrom="xs" data-testid="signed-in-user">
              <Text size="sm" fw={500} truncate maw={220} title={user.email}>
                {user.displayName || user.email}
              </Text>
              <Badge variant="outline" tt="none" data-testid="signed-in-role">
                {t(`roles.${user.role}`)}
              </Badge>
            </Group>
            <Button
              size="xs"
              variant="default"
              loading={signOut.isPending}
              onClick={() => signOut.mutate()}
              data-testid="sign-out"
            >
              {t('app.signOut')}
            </Button>
          </Group>
        </Group>
      </AppShell.Header>

      <AppShell.Navbar p="xs">
        <ScrollArea>
          {NAV.filter((item) => hasRole(user, item.role)).map((item) => (
            <NavLink
              key={item.to}
              component={Link}
              to={item.to}
              label={t(`nav.${item.label}`)}
              active={isActive(location.pathname, item.to)}
              onClick={close}
              data-testid={`nav-${item.label}`}
            />
          ))}
        </ScrollArea>
      </AppShell.Navbar>

      <AppShell.Main>
        {/* Lazily loaded screens (charts, new batch, catalogue) keep the shell while they load. */}
        <Suspense fallback={<Loading />}>
          <Outlet />
        </Suspense>
      </AppShell.Main>
    </AppShell>
  );
}
