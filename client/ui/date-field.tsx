// A date typed the way the chosen language writes it — 24.12.2026 in German, 2026-12-24 in
// English — whatever language the browser itself has (a native date input follows the browser).
import { useEffect, useState } from 'react';
import { useI18n, type Locale } from '../i18n/i18n';

const patterns: Record<
  Locale,
  { placeholder: string; parse(text: string): [number, number, number] | null; format(iso: string): string }
> = {
  de: {
    placeholder: 'TT.MM.JJJJ',
    parse: (text) => {
      const match = /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/.exec(text);
      return match ? [Number(match[3]), Number(match[2]), Number(match[1])] : null;
    },
    format: (iso) => {
      const [year, month, day] = iso.split('-');
      return `${day}.${month}.${year}`;
    },
  },
  en: {
    placeholder: 'YYYY-MM-DD',
    parse: (text) => {
      const match = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(text);
      return match ? [Number(match[1]), Number(match[2]), Number(match[3])] : null;
    },
    format: (iso) => iso,
  },
};

/** The ISO date (yyyy-mm-dd) a text stands for, or null when it is no date of the calendar. */
export function parseDate(text: string, locale: Locale): string | null {
  const parts = patterns[locale].parse(text.trim());
  if (!parts) return null;
  const [year, month, day] = parts;
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day)
    return null;
  return date.toISOString().slice(0, 10);
}

export function DateField({
  value,
  onChange,
  label,
}: {
  value: string;
  onChange(iso: string): void;
  label: string;
}) {
  const { locale } = useI18n();
  const pattern = patterns[locale];
  const [text, setText] = useState(value ? pattern.format(value) : '');
  useEffect(() => {
    setText(value ? pattern.format(value) : '');
  }, [value, pattern]);
  const invalid = text.trim() !== '' && parseDate(text, locale) === null;
  return (
    <input
      className="date-field"
      aria-label={label}
      placeholder={pattern.placeholder}
      value={text}
      aria-invalid={invalid}
      size={10}
      onChange={(event) => {
        setText(event.target.value);
        if (event.target.value.trim() === '') onChange('');
        else {
          const iso = parseDate(event.target.value, locale);
          if (iso) onChange(iso);
        }
      }}
    />
  );
}

/** A moment as an ISO date-time with this browser's offset at that moment, e.g. 2026-12-24T09:00:00+01:00. */
export function localIso(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  const offset = -date.getTimezoneOffset();
  const sign = offset >= 0 ? '+' : '-';
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}:00` +
    `${sign}${pad(Math.floor(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`
  );
}

/** The moment a date (ISO yyyy-mm-dd) and a time of day (HH:MM, 24 h) stand for in this browser's timezone, or null. */
export function combineDateTime(isoDate: string, time: string): string | null {
  const match = /^(\d{1,2}):(\d{2})$/.exec(time.trim());
  if (!match || Number(match[1]) > 23 || Number(match[2]) > 59) return null;
  const [year, month, day] = isoDate.split('-').map(Number);
  return localIso(new Date(year, month - 1, day, Number(match[1]), Number(match[2])));
}

/** A moment edited as a date in the chosen language's way and a time of day (24 h), in this browser's timezone. */
export function DateTimeField({
  id,
  value,
  onChange,
  label,
  describedBy,
}: {
  id: string;
  value: string | undefined;
  onChange(iso: string | undefined): void;
  label: string;
  describedBy?: string;
}) {
  const { t } = useI18n();
  const moment = value ? new Date(value) : null;
  const valid = moment && !Number.isNaN(moment.getTime());
  const pad = (n: number) => String(n).padStart(2, '0');
  const isoDate = valid
    ? `${moment.getFullYear()}-${pad(moment.getMonth() + 1)}-${pad(moment.getDate())}`
    : '';
  const [time, setTime] = useState(valid ? `${pad(moment.getHours())}:${pad(moment.getMinutes())}` : '09:00');
  const [date, setDate] = useState(isoDate);
  const timeInvalid = combineDateTime('2000-01-01', time) === null;
  const update = (nextDate: string, nextTime: string) => {
    if (!nextDate) {
      onChange(undefined);
      return;
    }
    const combined = combineDateTime(nextDate, nextTime);
    if (combined) onChange(combined);
  };
  return (
    <span className="date-time-field" id={id} aria-describedby={describedBy}>
      <DateField
        label={label}
        value={date}
        onChange={(next) => {
          setDate(next);
          update(next, time);
        }}
      />
      <input
        className="date-field time"
        aria-label={`${label} · ${t('field.timeOfDay')}`}
        placeholder="HH:MM"
        size={5}
        value={time}
        aria-invalid={timeInvalid}
        onChange={(event) => {
          setTime(event.target.value);
          update(date, event.target.value);
        }}
      />
    </span>
  );
}

/** A time of day as HH:MM (24 h), whatever the browser's language (a native time input may show AM/PM). */
export function TimeField({
  value,
  onChange,
  disabled,
  label,
}: {
  value: string;
  onChange(time: string): void;
  disabled?: boolean;
  label?: string;
}) {
  const [text, setText] = useState(value);
  useEffect(() => {
    setText(value);
  }, [value]);
  const invalid = text.trim() !== '' && combineDateTime('2000-01-01', text) === null;
  return (
    <input
      className="date-field time"
      aria-label={label}
      placeholder="HH:MM"
      size={5}
      value={text}
      disabled={disabled}
      aria-invalid={invalid}
      onChange={(event) => {
        const next = event.target.value;
        setText(next);
        if (next.trim() === '') onChange('');
        else if (combineDateTime('2000-01-01', next)) onChange(next.trim().padStart(5, '0'));
      }}
    />
  );
}
