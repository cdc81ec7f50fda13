// The i18n layer: `useI18n()` gives `t(key, values)` and locale-aware number and date formats.
import { useQueryClient } from '@tanstack/react-query';
import { createContext, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { formatMessage } from './format-message';
import { de, en, type MessageKey } from './messages';

export type Locale = 'en' | 'de';
const catalogs: Record<Locale, Record<MessageKey, string>> = { en, de };

interface I18n {
  locale: Locale;
  setLocale(locale: Locale): void;
  t(key: MessageKey, values?: Record<string, string | number>): string;
  formatNumber(value: number, options?: Intl.NumberFormatOptions): string;
  formatDate(value: Date | string): string;
}

const I18nContext = createContext<I18n | null>(null);

/** The chosen language: saved in this browser, else the browser's own (German for any "de-…"). */
export function currentLocale(): Locale {
  const saved = localStorage.getItem('waymark.locale');
  if (saved === 'en' || saved === 'de') return saved;
  return navigator.language.toLowerCase().startsWith('de') ? 'de' : 'en';
}

export function I18nProvider({ children }: { children: ReactNode }) {
  const [locale, setLocaleState] = useState<Locale>(currentLocale);
  const queryClient = useQueryClient();
  useEffect(() => {
    document.documentElement.lang = locale;
  }, [locale]);
  const value = useMemo<I18n>(() => {
    const numbers = new Intl.NumberFormat(locale);
    const dates = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' });
    return {
      locale,
      setLocale: (next) => {
        localStorage.setItem('waymark.locale', next);
        setLocaleState(next);
        // Node texts, summaries and problems come from the server in the chosen language.
        void queryClient.invalidateQueries();
      },
      t: (key, values) => formatMessage(catalogs[locale][key] ?? en[key] ?? key, values, locale),
      formatNumber: (number, options) =>
        options ? new Intl.NumberFormat(locale, options).format(number) : numbers.format(number),
      formatDate: (date) => dates.format(typeof date === 'string' ? new Date(date) : date),
    };
  }, [locale, queryClient]);
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const context = useContext(I18nContext);
  if (!context) throw new Error('useI18n outside I18nProvider');
  return context;
}
