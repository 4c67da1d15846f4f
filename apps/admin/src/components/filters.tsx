import { Select, TextInput, type TextInputProps } from '@mantine/core';
import { useDebouncedCallback } from '@mantine/hooks';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useUrlState } from './url-state';

/**
 * A free-text filter bound to a URL param. Typing stays local and is written to the URL after a
 * pause (replacing the history entry), so each keystroke is neither a request nor a Back step.
 */
export function UrlTextFilter({
  param,
  validate,
  ...props
}: { param: string; validate?: (value: string) => string | null } & Omit<
  TextInputProps,
  'value' | 'onChange'
> & { 'data-testid'?: string }) {
  const { get, set } = useUrlState();
  const current = get(param);
  const [draft, setDraft] = useState(current);
  // Follow the URL when it changes from elsewhere (Back, "Clear filters").
  useEffect(() => setDraft((d) => (d.trim() === current ? d : current)), [current]);
  const problem = draft && validate ? validate(draft.trim()) : null;
  const commit = useDebouncedCallback((value: string) => {
    if (!(value && validate?.(value))) set({ [param]: value }, { replace: true });
  }, 400);
  return (
    <TextInput
      value={draft}
      error={problem}
      onChange={(event) => {
        setDraft(event.currentTarget.value);
        commit(event.currentTarget.value.trim());
      }}
      onKeyDown={(event) => {
        if (event.key === 'Enter') {
          commit.cancel();
          const value = draft.trim();
          if (!(value && validate?.(value))) set({ [param]: value });
        }
      }}
      {...props}
    />
  );
}

/** For id boxes: the typed id in monospace, like the ids in the tables (the label stays as is). */
export const MONOSPACE_INPUT = { input: { fontFamily: 'var(--mantine-font-family-monospace)' } };

/** A date (`YYYY-MM-DD`) filter bound to a URL param; `fallback` shows the default in use. */
export function UrlDateFilter({
  param,
  label,
  fallback = '',
}: {
  param: string;
  label: string;
  fallback?: string;
}) {
  const { get, set } = useUrlState();
  return (
    <TextInput
      type="date"
      label={label}
      value={get(param) || fallback}
      onChange={(event) => set({ [param]: event.currentTarget.value })}
      data-testid={`filter-${param}`}
    />
  );
}

/** A choice filter bound to a URL param (empty = all). */
export function UrlSelectFilter({
  param,
  label,
  data,
  testId,
}: {
  param: string;
  label: string;
  data: { value: string; label: string }[];
  testId?: string;
}) {
  const { t } = useTranslation();
  const { get, set } = useUrlState();
  return (
    <Select
      label={label}
      placeholder={t('common.all')}
      data={data}
      value={get(param) || null}
      onChange={(value) => set({ [param]: value })}
      clearable
      data-testid={testId ?? `filter-${param}`}
    />
  );
}
