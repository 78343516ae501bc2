import { h, svgIcon, ICONS } from '../../dom.js';
import { t, tv } from '../../i18n.js';
import { request } from '../../socket.js';
import { toast } from '../../ui/toast.js';

let openMenu = null;
document.addEventListener('click', (e) => {
  if (openMenu && !openMenu.parentElement?.contains(e.target)) openMenu.classList.add('hidden');
});

export const NOT_READY_REASONS = ['break', 'lunch', 'meeting', 'training', 'follow-up', 'admin'];

export function stateBar(agentState) {
  const state = agentState?.state ?? null;
  const menu = h(
    'div.panel.hidden',
    { style: 'position:absolute;top:38px;left:0;z-index:10;min-width:180px;padding:4px' },
    NOT_READY_REASONS.map((r) =>
      h('button.btn.ghost', { type: 'button', style: 'width:100%;justify-content:flex-start', onclick: () => ask('not-ready', r) }, t(`nrReason.${r}`)),
    ),
  );
  const toggleMenu = () => menu.classList.toggle('hidden');
  openMenu = menu;

  async function ask(next, reason) {
    menu.classList.add('hidden');
    const payload = reason ? { state: next, reason } : { state: next };
    const res = await request('agent:state', payload);
    if (!res?.ok) toast(t('state.failed', { message: res?.error?.message ?? '' }), 'error');
  }

  const seg = h(
    'div.seg',
    { role: 'group' },
    h('button', { type: 'button', class: `ready ${state === 'ready' ? 'on' : ''}`, onclick: () => ask('ready') }, t('state.ready')),
    h('button', { type: 'button', class: `not-ready ${state === 'not-ready' ? 'on' : ''}`, onclick: toggleMenu, 'aria-haspopup': 'menu' }, t('state.not-ready'), ' ▾'),
    h('button', { type: 'button', class: `wrap-up ${state === 'wrap-up' ? 'on' : ''}`, onclick: () => ask('wrap-up') }, t('state.wrap-up')),
  );

  const label = state ? tv('state', state) : t('state.unknown');
  const reason = state === 'not-ready' && agentState.reason ? ` · ${tv('nrReason', agentState.reason)}` : '';
  const phone = agentState?.phone ?? 'unavailable';
  const phoneCls = { idle: 'ready', ringing: 'ringing', 'in-use': 'oncall', unavailable: 'absent' }[phone];

  return h(
    'div.panel.statebar',
    {},
    h(
      'div.state-now',
      { class: `state-${state ?? 'none'}` },
      h('span.big-dot'),
      h('div', {}, h('strong', {}, label, reason), agentState?.since ? h('div.since.small', {}, h('span', { dataset: { since: agentState.since } }, '')) : null),
    ),
    h('div', { style: 'position:relative' }, seg, menu),
    h('div.grow'),
    h('div.phone', {}, svgIcon(ICONS.phone), h('span.chip', { class: phoneCls }, h('span.dot'), tv('phone', phone))),
  );
}
