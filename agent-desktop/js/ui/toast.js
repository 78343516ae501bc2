import { h } from '../dom.js';

export function toast(message, kind = 'info', ms = 4000) {
  const host = document.getElementById('toasts');
  if (!host) return;
  const el = h('div.toast', { class: kind === 'error' ? 'error' : '' }, message);
  host.append(el);
  setTimeout(() => el.remove(), kind === 'error' ? ms * 1.5 : ms);
}
