import { h } from '../dom.js';
import { LANGS, lang, setLang, t } from '../i18n.js';

export function langSwitch() {
  return h(
    'div.lang-switch',
    { role: 'group', 'aria-label': 'Language / 语言' },
    LANGS.map((code) =>
      h('button', { type: 'button', class: code === lang() ? 'active' : '', 'aria-pressed': String(code === lang()), onclick: () => setLang(code) }, t(`lang.${code}`)),
    ),
  );
}
