// After the call: an outcome code and a note, saved to the member's record.
import { h } from '../../dom.js';
import { t } from '../../i18n.js';
import { post } from '../../api.js';
import { toast } from '../../ui/toast.js';
import { dismiss } from './pop-store.js';

export const DISPOSITION_CODES = [
  'order-placed',
  'question-answered',
  'after-sales',
  'complaint',
  'callback-requested',
  'not-interested',
  'wrong-number',
  'other',
];

/**
 * The agent is done with this pop: the server forgets it (a reload will not bring it back)
 * and this desktop hides it. Hidden here even when the server cannot be reached.
 */
export async function closePop(pop) {
  dismiss(pop.popId);
  try {
    await post(`/api/pops/${encodeURIComponent(pop.popId)}/dismiss`);
  } catch (err) {
    toast(err.message, 'error');
  }
}

/** Dispositions point at the call record (a number); pops name the call by the call flow's id. */
function callRecordId(pop) {
  if (typeof pop.callRecordId === 'number') return pop.callRecordId;
  return /^\d+$/.test(String(pop.callId)) ? Number(pop.callId) : null;
}

/** `actions`: more buttons for the call (such as planning a callback), drawn before Save or Close. */
export function dispositionForm(pop, draft, member, onChange, actions = null) {
  if (draft.saved) {
    return h(
      'div.pop-foot.row',
      {},
      h('span.saved', {}, '✓ ', t('dispo.saved')),
      h('span.muted', {}, t(`dispo.${draft.code}`)),
      h('div.grow'),
      actions,
      pop.phase === 'ended'
        ? h('button.btn.small', { type: 'button', onclick: () => (void closePop(pop), onChange()) }, t('common.close'))
        : h('span.muted.small', {}, t('dispo.closesAtEnd')),
    );
  }
  const error = h('div.error-text');
  const note = h('textarea.input', {
    rows: 2,
    placeholder: t('dispo.notePlaceholder'),
    value: draft.note,
    oninput: (e) => (draft.note = e.target.value),
  });
  const save = h('button.btn.primary', { type: 'submit' }, t('dispo.save'));

  async function submit(e) {
    e.preventDefault();
    if (!member) return void (error.textContent = t('dispo.needMember'));
    if (!draft.code) return void (error.textContent = t('dispo.pickCode'));
    save.disabled = true;
    try {
      await post(`/api/members/${encodeURIComponent(member.id)}/dispositions`, { callId: callRecordId(pop), code: draft.code, note: draft.note.trim() });
      draft.saved = true;
      toast(t('dispo.saved'));
      // Saved after the call: done with it. Saved during the call: it closes when the call ends.
      if (pop.phase === 'ended') void closePop(pop);
      onChange();
    } catch (err) {
      error.textContent = err.message;
      save.disabled = false;
    }
  }

  return h(
    'form.pop-foot',
    { onsubmit: submit },
    h('div.section-title', {}, t('dispo.title')),
    h(
      'div.dispo-codes',
      { role: 'radiogroup', 'aria-label': t('dispo.code') },
      DISPOSITION_CODES.map((code) =>
        h(
          'button',
          {
            type: 'button',
            role: 'radio',
            'aria-checked': String(draft.code === code),
            class: draft.code === code ? 'on' : '',
            onclick: () => ((draft.code = code), onChange()),
          },
          t(`dispo.${code}`),
        ),
      ),
    ),
    h('label.field', {}, h('span', {}, t('dispo.note')), note),
    h('div.row', { style: 'margin-top:10px' }, error, h('div.grow'), actions, save),
  );
}
