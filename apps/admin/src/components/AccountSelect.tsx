import { Select, type SelectProps } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { trpc } from '../trpc';

/** Picks an account by name (value: its id), from `accounts.list`. */
export function AccountSelect({
  value,
  onChange,
  ...props
}: { value: string; onChange: (accountId: string) => void } & Omit<
  SelectProps,
  'value' | 'onChange' | 'data'
> & { 'data-testid'?: string }) {
  const { t } = useTranslation();
  const accounts = trpc.accounts.list.useQuery(undefined, { staleTime: 30_000 });
  const data = (accounts.data ?? []).map((a) => ({ value: a.accountId, label: a.name }));
  // Keep a value from the URL visible (as its id) until the list arrives.
  if (value && !data.some((d) => d.value === value)) data.push({ value, label: value });
  return (
    <Select
      label={t('common.account')}
      placeholder={t('common.all')}
      data={data}
      value={value || null}
      onChange={(v) => onChange(v ?? '')}
      searchable
      clearable
      nothingFoundMessage={t('common.nothingFound')}
      error={accounts.isError ? t('states.errorTitle') : undefined}
      {...props}
    />
  );
}
