// The language of the desktop. Strings live in i18n-strings.js, one table for both languages;
// `t('key', { name })` fills `{name}`; a missing key shows the key, so gaps are visible.
import { STRINGS } from './i18n-strings.js';

export const LANGS = /** @type {const} */ (['zh', 'en']);
const STORAGE_KEY = 'cti.lang';
const listeners = new Set();

function initialLang() {
  const saved = localStorage.getItem(STORAGE_KEY);
  if (saved === 'zh' || saved === 'en') return saved;
  return navigator.language.toLowerCase().startsWith('zh') ? 'zh' : 'en';
}

let current = initialLang();
document.documentElement.lang = current === 'zh' ? 'zh-CN' : 'en';

export function lang() {
  return current;
}

export function locale() {
  return current === 'zh' ? 'zh-CN' : 'en-GB';
}

export function setLang(next) {
  if (next === current || !(next in STRINGS)) return;
  current = next;
  localStorage.setItem(STORAGE_KEY, next);
  document.documentElement.lang = next === 'zh' ? 'zh-CN' : 'en';
  for (const fn of listeners) fn(next);
}

export function onLangChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

export function t(key, vars) {
  const text = STRINGS[current][key] ?? STRINGS.en[key] ?? key;
  if (!vars) return text;
  return text.replace(/\{(\w+)\}/g, (m, name) => (name in vars ? String(vars[name]) : m));
}

/** Translate a value from a fixed vocabulary (`level.gold`), or show it as is when unknown. */
export function tv(prefix, value) {
  if (value === null || value === undefined || value === '') return t('common.none');
  const key = `${prefix}.${value}`;
  return key in STRINGS.en ? t(key) : String(value);
}
