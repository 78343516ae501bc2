// The screen pop: who is calling, whose member they are, why the call came here.
import { h, svgIcon, ICONS } from '../../dom.js';
import { t, tv } from '../../i18n.js';
import { count, date, dateTime, daysSince, initials, money, relative } from '../../format.js';
import { advisorAltName, advisorName, callbackReasonChip, levelChip, stageChips, tierChip } from '../common.js';
import { draftFor } from './pop-store.js';
import { closePop, dispositionForm } from './disposition.js';
import { unknownCaller } from './unknown-caller.js';
import { openCallbackForm, plannedText } from '../callback-form.js';
import { toast } from '../../ui/toast.js';

const REASON_ICON = { 'own-advisor': ICONS.user, delegate: ICONS.users, pool: ICONS.swap, callback: ICONS.back, 'unknown-caller': ICONS.help };

export function reasonLabel(pop, myAdvisorId) {
  const owner = pop.owner ? advisorName(pop.owner) : null;
  const mine = pop.owner && pop.owner.id === myAdvisorId;
  switch (pop.reason) {
    case 'own-advisor':
      return !pop.owner || mine ? t('reason.own-advisor') : t('reason.own-advisor.other', { owner });
    case 'delegate':
      return t('reason.delegate', { owner: owner ?? t('common.none') });
    case 'pool':
      return owner && !mine ? t('reason.pool', { owner }) : t('reason.pool.noOwner');
    case 'callback':
      return !pop.owner || mine || pop.callback?.promisedByAdvisorId === myAdvisorId
        ? t('reason.callback')
        : t('reason.callback.other', { owner });
    case 'unknown-caller':
      return t('reason.unknown-caller');
    default:
      return pop.reasonText || String(pop.reason);
  }
}

const IVR_SERVICES = ['1', '2', '3'];

function ivrText(ivr) {
  if (!ivr) return null;
  // The front IVR's services (dialplan/extensions.conf) in the agent's language; others as the server names them.
  const choice = IVR_SERVICES.includes(ivr.choice) ? t(`ivr.service.${ivr.choice}`) : (ivr.choiceLabel ?? ivr.choice);
  const parts = [];
  if (choice) parts.push(t('ivr.choice', { choice }));
  if (ivr.language) parts.push(t('ivr.language', { language: ivr.language === 'zh' ? '中文' : ivr.language === 'en' ? 'English' : ivr.language }));
  return parts.length ? parts.join(' · ') : null;
}

function header(pop) {
  const talking = pop.phase === 'answered' && pop.phaseAt;
  return h(
    'div.pop-head',
    {},
    h('span.phase', {}, h('span.dot'), t(`phase.${pop.phase}`)),
    h('span.caller', {}, pop.callerNumber || t('common.none')),
    h(
      'div.timer',
      {},
      h('span', {}, t('pop.waited'), ' ', h('b', {}, formatWait(pop.waitedSeconds))),
      talking ? h('span', {}, t('pop.talk'), ' ', h('b', { dataset: { since: pop.phaseAt } }, '0:00')) : null,
    ),
  );
}

function formatWait(seconds) {
  const s = Math.max(0, Math.round(seconds ?? 0));
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
}

function reasonBand(pop, myAdvisorId) {
  const ivr = ivrText(pop.ivr);
  return h(
    'div.reason',
    { class: pop.reason },
    h('span.icon', {}, svgIcon(REASON_ICON[pop.reason] ?? ICONS.help, 15)),
    h('span', {}, reasonLabel(pop, myAdvisorId)),
    ivr ? h('span.ivr', {}, ivr) : null,
  );
}

function fact(key, value, sub) {
  return h('div.fact', {}, h('div.k', {}, key), h('div.v', {}, value), sub ? h('div.sub', {}, sub) : null);
}

export function memberDetails(member, lifecycle) {
  const days = daysSince(member.lastPurchaseAt);
  const stage = lifecycle ?? member.lifecycle;
  return h(
    'div',
    {},
    h(
      'div.member-name',
      {},
      h('h2', {}, member.name),
      levelChip(member.level),
      stageChips(stage),
    ),
    h('div.muted', { style: 'margin-top:2px' }, t('member.no'), ' ', h('span.mono', {}, member.memberNo)),
    h(
      'div.facts',
      {},
      fact(t('member.phones'), member.phones?.length ? h('span.phones', {}, member.phones.map((p) => h('span', {}, p))) : t('common.none')),
      fact(
        t('member.lastPurchase'),
        member.lastPurchaseAt ? date(member.lastPurchaseAt) : t('member.never'),
        days !== null ? t('member.daysAgo', { days }) : null,
      ),
      fact(t('member.purchases'), count(member.purchaseCount)),
      fact(t('member.spend'), money(member.totalSpend)),
      fact(
        t('member.tags'),
        member.tags?.length ? h('span.row.wrap', { style: 'gap:4px' }, member.tags.map((tag) => h('span.tag', {}, tag))) : t('common.none'),
      ),
      fact(t('member.level'), tv('level', member.level)),
    ),
    h('div.section-title', {}, t('member.notes')),
    h('div.note-block', {}, member.notes || h('span.muted', {}, t('member.noNotes'))),
    h('div.section-title', { style: 'margin-top:12px' }, t('member.plan')),
    h('div.note-block', {}, member.servicePlan || h('span.muted', {}, t('member.noPlan'))),
  );
}

function ownerStateChip(state) {
  const cls = { ready: 'ready', 'not-ready': 'notready', 'wrap-up': 'wrapup', 'logged-out': 'absent', absent: 'absent', 'on-call': 'oncall', ringing: 'ringing' }[state] ?? '';
  return h('span.chip', { class: cls }, h('span.dot'), tv('ownerState', state));
}

function sidePanel(pop, myAdvisorId) {
  const owner = pop.owner;
  const mine = owner && owner.id === myAdvisorId;
  const note = pop.handoverNote;
  return h(
    'div.pop-side',
    {},
    h(
      'div',
      {},
      h('div.section-title', {}, t('member.owner')),
      owner
        ? h(
            'div.owner-card',
            { class: mine ? 'me' : '' },
            h('span.avatar', {}, initials(advisorName(owner))),
            h(
              'div.grow',
              {},
              h('div.name', {}, advisorName(owner), ' ', h('span.muted.small', {}, advisorAltName(owner))),
              h('div.row.wrap', { style: 'margin-top:4px;gap:6px' }, tierChip(owner.tier), mine ? h('span.chip.brand', {}, t('member.thatsYou')) : ownerStateChip(owner.state)),
            ),
          )
        : h('div.note-block.muted', {}, t('member.noOwner')),
    ),
    note && note.text
      ? h(
          'div',
          {},
          h('div.section-title', {}, t('member.handover')),
          h(
            'div.handover',
            {},
            h('div.who-line', {}, note.fromAdvisorName ? t('member.handoverFrom', { name: note.fromAdvisorName }) : t('member.handover'), ' · ', date(note.at)),
            note.text,
          ),
        )
      : null,
    pop.callback
      ? h(
          'div',
          {},
          h('div.section-title', {}, t('member.callback')),
          h(
            'div.note-block',
            {},
            h('div.row', { style: 'margin-bottom:4px' }, callbackReasonChip(pop.callback.reason)),
            t('member.callbackDetail', {
              reason: tv('cbReason', pop.callback.reason),
              when: relative(pop.callback.firstCallAt),
              attempts: (pop.callback.attempts ?? 0) + 1,
            }),
            pop.callback.note ? h('div', { style: 'margin-top:4px' }, pop.callback.note) : null,
          ),
        )
      : null,
  );
}

export function popCard(pop, { myAdvisorId, onChange }) {
  const draft = draftFor(pop.popId);
  const member = pop.member ?? draft.linkedMember;
  const body = member
    ? h(
        'div.pop-body',
        {},
        h(
          'div.pop-main',
          {},
          !pop.member && draft.linkedMember ? h('div.chip.brand', { style: 'margin-bottom:10px' }, t('unknown.linked', { name: member.name })) : null,
          memberDetails(member, pop.lifecycle),
        ),
        sidePanel(pop, myAdvisorId),
      )
    : unknownCaller(pop, draft, onChange);
  const missed = pop.phase === 'ended' && (pop.outcome === 'missed' || pop.outcome === 'abandoned');
  const footer = missed ? missedFooter(pop, onChange) : pop.phase !== 'ringing' ? dispositionForm(pop, draft, member, onChange, planCallback(pop, draft, member, onChange)) : null;
  return h(
    'article.panel.pop',
    { class: pop.phase, dataset: { popId: pop.popId } },
    header(pop),
    reasonBand(pop, myAdvisorId),
    body,
    footer,
  );
}

function missedFooter(pop, onChange) {
  return h(
    'div.pop-foot.row',
    {},
    h('span.muted', {}, t(pop.outcome === 'abandoned' ? 'pop.abandoned' : 'pop.missed')),
    h('div.grow'),
    h('button.btn.small', { type: 'button', onclick: () => (void closePop(pop), onChange()) }, t('common.close')),
  );
}

/** "I'll call you back at 15:00": the callbacks planned on this call, and a button to plan one. */
function planCallback(pop, draft, member, onChange) {
  const open = () =>
    openCallbackForm({
      member,
      number: pop.callerNumber,
      forMe: true,
      memberAsked: true,
      onCreated: (callback) => {
        draft.plannedCallbacks.push({ id: callback.id, dueAt: callback.dueAt });
        toast(plannedText(callback));
        onChange();
      },
    });
  return [
    draft.plannedCallbacks.map((c) => h('span.chip.oncall', { dataset: { callbackId: String(c.id) } }, '↻ ', t('cbForm.planned', { when: dateTime(c.dueAt) }))),
    // Beside Save outcome it is a full-size button; beside the small Close of a saved outcome, a small one.
    h('button.btn.plan-callback', { type: 'button', class: draft.saved ? 'small' : '', onclick: open }, t('cbForm.plan')),
  ];
}
