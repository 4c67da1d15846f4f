import { Button, NumberInput, Paper, Select, Stack, TextInput, Title } from '@mantine/core';
import { type FormEvent, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { notifySuccess } from '../../components/errors';
import { trpc } from '../../trpc';
import type { Overview } from './types';

/** The account's time zone, alert webhook URL and low-balance level. */
export function SettingsCard({ overview }: { overview: Overview }) {
  const { t } = useTranslation();
  const utils = trpc.useUtils();
  const zones = useMemo(() => {
    const list = Intl.supportedValuesOf?.('timeZone') ?? [];
    return ['UTC', ...list.filter((zone) => zone !== 'UTC')];
  }, []);
  const [timeZone, setTimeZone] = useState(overview.timeZone);
  const [webhookUrl, setWebhookUrl] = useState(overview.settings.webhookUrl ?? '');
  const [lowBalance, setLowBalance] = useState<string | number>(
    overview.settings.lowBalanceCredits ?? '',
  );
  const save = trpc.finance.setAlertSettings.useMutation({
    onSuccess: () => {
      notifySuccess(t('finance.settingsSaved'));
      void utils.finance.invalidate();
    },
  });
  const level = typeof lowBalance === 'number' ? lowBalance : null;
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate({
      accountId: overview.accountId,
      timeZone,
      webhookUrl: webhookUrl.trim() || null,
      lowBalanceCredits: level,
    });
  };

  return (
    <Paper withBorder p="md" radius="md">
      <Title order={4} mb="sm">
        {t('finance.settings')}
      </Title>
      <form onSubmit={onSubmit} data-testid="alert-settings">
        <Stack gap="sm">
          <Select
            label={t('finance.timeZone')}
            description={t('finance.timeZoneHint')}
            data={zones.includes(timeZone) ? zones : [timeZone, ...zones]}
            value={timeZone}
            onChange={(v) => setTimeZone(v ?? 'UTC')}
            searchable
            allowDeselect={false}
          />
          <TextInput
            label={t('finance.webhookUrl')}
            description={t('finance.webhookUrlHint')}
            value={webhookUrl}
            onChange={(e) => setWebhookUrl(e.currentTarget.value)}
            placeholder="https://"
            data-testid="alert-webhook-url"
          />
          <NumberInput
            label={t('finance.lowBalance')}
            description={t('finance.lowBalanceHint')}
            value={lowBalance}
            onChange={setLowBalance}
            allowDecimal={false}
            min={1}
            thousandSeparator=","
            data-testid="alert-low-balance"
          />
          <Button type="submit" loading={save.isPending} data-testid="alert-settings-save">
            {t('common.save')}
          </Button>
        </Stack>
      </form>
    </Paper>
  );
}
