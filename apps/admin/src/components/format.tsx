import { Text, type TextProps } from '@mantine/core';
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';

/**
 * Locale-aware formatters for the current language. Credits are integers, so plain grouping is
 * right; dates show in the viewer's time zone.
 */
export function useFormat() {
  const { i18n } = useTranslation();
  const locale = i18n.language;
  return useMemo(() => {
    const integer = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 });
    const signed = new Intl.NumberFormat(locale, {
      maximumFractionDigits: 0,
      signDisplay: 'exceptZero',
    });
    const percent = new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1 });
    const dateTime = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'medium' });
    const day = new Intl.DateTimeFormat(locale, { month: 'short', day: 'numeric' });
    const toDate = (value: Date | string) => (value instanceof Date ? value : new Date(value));
    return {
      locale,
      number: (value: number) => integer.format(value),
      signed: (value: number) => signed.format(value),
      percent: (ratio: number) => percent.format(ratio),
      dateTime: (value: Date | string) => dateTime.format(toDate(value)),
      /** A `YYYY-MM-DD` UTC day (the dashboard's buckets) as a short local label. */
      day: (ymd: string) => day.format(new Date(`${ymd}T00:00:00Z`)),
    };
  }, [locale]);
}

/** A whole number of credits (or any count), grouped for the current language. */
export function Num({
  value,
  signed = false,
  colored = false,
  ...props
}: { value: number; signed?: boolean; colored?: boolean } & TextProps & {
    'data-testid'?: string;
  }) {
  const format = useFormat();
  const color = colored ? (value < 0 ? 'red' : value > 0 ? 'teal' : undefined) : undefined;
  return (
    // Tabular figures keep columns of credits aligned.
    <Text span inherit c={color} style={{ fontVariantNumeric: 'tabular-nums' }} {...props}>
      {signed ? format.signed(value) : format.number(value)}
    </Text>
  );
}

/** A timestamp in the current language; a dash (or `empty`) when there is none. */
export function DateTime({ value, empty = '—' }: { value: Date | string | null; empty?: string }) {
  const format = useFormat();
  if (value === null) return <>{empty}</>;
  const date = value instanceof Date ? value : new Date(value);
  return <time dateTime={date.toISOString()}>{format.dateTime(date)}</time>;
}
