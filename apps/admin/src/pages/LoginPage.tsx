import { Alert, Button, Center, Group, Paper, Stack, TextInput, Title } from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { type Location, Navigate, useLocation, useNavigate } from 'react-router';
import { useMe } from '../auth';
import { describeError, errorCode } from '../components/errors';
import { LanguageSwitch } from '../components/LanguageSwitch';
import { Loading } from '../components/QueryState';
import { trpc } from '../trpc';

/** Where to go after signing in: the page that sent the user here, else the batch list. */
function destination(state: unknown) {
  const from = (state as { from?: Location } | null)?.from;
  if (!from || from.pathname === '/login') return '/batches';
  return `${from.pathname}${from.search}${from.hash}`;
}

export function LoginPage() {
  const { t } = useTranslation();
  const location = useLocation();
  const navigate = useNavigate();
  const me = useMe();
  const utils = trpc.useUtils();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const signIn = trpc.auth.signIn.useMutation({
    meta: { silent: true }, // shown inline below, not as a notification
    onSuccess: ({ user }) => {
      utils.auth.me.setData(undefined, user);
      void navigate(destination(location.state), { replace: true });
    },
  });

  if (me.data) return <Navigate to={destination(location.state)} replace />;
  if (me.isPending) return <Loading />;

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    signIn.mutate({ email, password });
  };
  const failure = signIn.error
    ? errorCode(signIn.error) === 'UNAUTHORIZED'
      ? t('login.failed')
      : describeError(t, signIn.error).title
    : null;

  return (
    <Center mih="100vh" p="md">
      <Paper withBorder shadow="sm" p="xl" radius="md" w={380}>
        <form onSubmit={onSubmit}>
          <Stack>
            <Group justify="space-between" align="flex-start" wrap="nowrap">
              <Title order={3}>{t('login.title')}</Title>
              <LanguageSwitch />
            </Group>
            {failure && (
              <Alert color="red" data-testid="login-error">
                {failure}
              </Alert>
            )}
            <TextInput
              label={t('login.email')}
              type="email"
              autoComplete="username"
              required
              value={email}
              onChange={(e) => setEmail(e.currentTarget.value)}
            />
            {/* A plain password field: PasswordInput's "Toggle password visibility" button would
                also answer to the label "Password" (and is not translated). */}
            <TextInput
              type="password"
              label={t('login.password')}
              autoComplete="current-password"
              required
              value={password}
              onChange={(e) => setPassword(e.currentTarget.value)}
            />
            <Button type="submit" loading={signIn.isPending}>
              {t('login.submit')}
            </Button>
          </Stack>
        </form>
      </Paper>
    </Center>
  );
}
