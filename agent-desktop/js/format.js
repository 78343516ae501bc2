// Numbers, money, dates and durations in the user's language.
import { locale, t } from './i18n.js';

export function initials(name) {
  if (!name) return '?';
  const trimmed = String(name).trim();
  if (/[\u4e00-\u9fff]/.test(trimmed)) return trimmed.slice(-2);
  return trimmed
    .split(/\s+/)
    .map((p) => p[0])
    .join('')
    .slice(0, 2)
    .toUpperCase();
}

export function money(amount) {
  if (typeof amount !== 'number') return t('common.none');
  return new Intl.NumberFormat(locale(), { style: 'currency', currency: 'CNY', maximumFractionDigits: 0 }).format(amount);
}

export function count(n) {
  return typeof n === 'number' ? new Intl.NumberFormat(locale()).format(n) : t('common.none');
}

/** A share 0..1 as a percentage; also accepts `{ rate }`. */
export function pct(value) {
  const v = typeof value === 'object' && value !== null ? value.rate : value;
  if (typeof v !== 'number' || Number.isNaN(v)) return t('common.none');
  return new Intl.NumberFormat(locale(), { style: 'percent', maximumFractionDigits: 1 }).format(v);
}

export function ratio(value) {
  const v = typeof value === 'object' && value !== null ? value.rate : value;
  return typeof v === 'number' && !Number.isNaN(v) ? v : null;
}

export function date(iso) {
  if (!iso) return t('common.none');
  return new Intl.DateTimeFormat(locale(), { year: 'numeric', month: 'short', day: 'numeric' }).format(new Date(iso));
}

export function dateTime(iso) {
  if (!iso) return t('common.none');
  return new Intl.DateTimeFormat(locale(), { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' }).format(new Date(iso));
}

export function clock(iso) {
  if (!iso) return t('common.none');
  return new Intl.DateTimeFormat(locale(), { hour: '2-digit', minute: '2-digit', second: '2-digit' }).format(new Date(iso));
}

/** 75 -> "1:15", 3700 -> "1:01:40". */
export function duration(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const hh = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return hh > 0 ? `${hh}:${String(mm).padStart(2, '0')}:${ss}` : `${mm}:${ss}`;
}

export function secondsSince(iso, now = Date.now()) {
  return iso ? Math.max(0, (now - new Date(iso).getTime()) / 1000) : 0;
}

/** "in 5 min", "3 h ago". */
export function relative(iso, now = Date.now()) {
  if (!iso) return t('common.none');
  const diff = (new Date(iso).getTime() - now) / 1000;
  const abs = Math.abs(diff);
  const rtf = new Intl.RelativeTimeFormat(locale(), { numeric: 'auto', style: 'short' });
  if (abs < 60) return rtf.format(Math.round(diff), 'second');
  if (abs < 3600) return rtf.format(Math.round(diff / 60), 'minute');
  if (abs < 86400) return rtf.format(Math.round(diff / 3600), 'hour');
  return rtf.format(Math.round(diff / 86400), 'day');
}

export function daysSince(iso, now = Date.now()) {
  return iso ? Math.floor((now - new Date(iso).getTime()) / 86_400_000) : null;
}

/** Local value for <input type="datetime-local"> and back. */
export function toLocalInput(iso) {
  const d = iso ? new Date(iso) : new Date();
  const off = d.getTimezoneOffset() * 60_000;
  return new Date(d.getTime() - off).toISOString().slice(0, 16);
}

export function fromLocalInput(value) {
  return value ? new Date(value).toISOString() : null;
}
