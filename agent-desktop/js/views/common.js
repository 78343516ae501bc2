// Small pieces both the desktop and the console draw the same way.
import { h } from '../dom.js';
import { lang, t, tv } from '../i18n.js';

/** Chinese name in Chinese, English name in English, falling back to the other. */
export function advisorName(advisor) {
  if (!advisor) return t('common.none');
  return lang() === 'zh' ? advisor.nameZh || advisor.name : advisor.name || advisor.nameZh;
}

/** The other-language name, shown small next to the main one. */
export function advisorAltName(advisor) {
  if (!advisor) return '';
  const alt = lang() === 'zh' ? advisor.name : advisor.nameZh;
  return alt && alt !== advisorName(advisor) ? alt : '';
}

export function levelChip(level) {
  const cls = level === 'vip' ? 'vip' : level === 'gold' ? 'gold' : '';
  return h('span.chip', { class: cls }, tv('level', level));
}

export function tierChip(tier) {
  return h('span.chip', { class: tier === 'vip' ? 'vip' : tier === 'senior' ? 'brand' : '' }, tv('tier', tier));
}

export function stageChips(lifecycle) {
  if (!lifecycle) return [];
  const cls = { new: 'brand', active: 'ready', mature: 'oncall', dormant: 'ringing', lost: 'absent' }[lifecycle.stage] ?? '';
  return [
    h('span.chip', { class: cls }, tv('stage', lifecycle.stage)),
    lifecycle.atRisk ? h('span.chip.danger', {}, h('span.dot'), t('member.atRisk')) : null,
  ];
}

export function callbackReasonChip(reason) {
  const cls = { requested: 'oncall', abandoned: 'pool', 'peak-offer': 'wrapup', manual: '' }[reason] ?? '';
  return h('span.chip', { class: cls }, tv('cbReason', reason));
}

export function callbackStateChip(state) {
  const cls = { pending: 'ringing', reserved: 'oncall', dialing: 'wrapup', completed: 'ready', failed: 'danger', cancelled: 'absent' }[state] ?? '';
  return h('span.chip', { class: cls }, tv('cbState', state));
}

export function routeReasonChip(reason) {
  const cls = { 'own-advisor': 'ready', delegate: 'wrapup', pool: 'pool', callback: 'oncall', 'unknown-caller': 'absent' }[reason] ?? '';
  const key = reason === 'pool' ? 'wb.pool' : reason === 'delegate' ? 'wb.delegate' : reason === 'own-advisor' ? 'wb.own' : `reason.${reason}`;
  return h('span.chip', { class: cls }, t(key));
}

/**
 * The lane an advisor belongs in on the wallboard: the phone wins over the desktop
 * (ringing, on call), absence wins over everything.
 */
export function laneOf(advisor) {
  if (advisor.markedAbsent || advisor.state === 'logged-out' || advisor.phone === 'unavailable') return 'absent';
  if (advisor.phone === 'ringing') return 'ringing';
  if (advisor.phone === 'in-use') return 'oncall';
  if (advisor.state === 'wrap-up') return 'wrapup';
  if (advisor.state === 'not-ready') return 'notready';
  return 'ready';
}

export function errorBox(err, retry) {
  return h(
    'div.empty',
    {},
    h('div.error-text', {}, err instanceof Error ? err.message : String(err)),
    retry ? h('button.btn.small', { type: 'button', onclick: retry, style: 'margin-top:10px' }, t('common.retry')) : null,
  );
}

export function loading() {
  return h('div.empty', {}, t('common.loading'));
}
