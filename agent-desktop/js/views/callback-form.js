// "Plan a callback": one form for the agent (from a screen pop or My callbacks) and the
// supervisor (the callback queue). It sends what the user typed to POST /api/callbacks
// and shows the API's message when it refuses, so the server stays the one judge of
// what is valid. The time is typed in the browser's time zone; when the member lives in
// another one, the form says what time that is for them.
import { h, replace } from '../dom.js';
import { locale, t, tv } from '../i18n.js';
import { get, listOf, post, query } from '../api.js';
import { dateTime, fromLocalInput, relative, toLocalInput } from '../format.js';
import { openModal } from '../ui/modal.js';
import { advisorName, levelChip } from './common.js';

const NOTE_MAX = 1000;
const QUARTER_HOUR_MS = 15 * 60_000;
const PRIORITY_MIN = -100;
const PRIORITY_MAX = 100;

/** An hour from now, rounded up to the quarter hour: a time people say on the phone. */
function defaultDueAt(now = Date.now()) {
  return new Date(Math.ceil((now + 3600_000) / QUARTER_HOUR_MS) * QUARTER_HOUR_MS).toISOString();
}

function browserTimeZone() {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

function timeIn(zone, iso) {
  return new Intl.DateTimeFormat(locale(), { timeZone: zone, weekday: 'short', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' }).format(new Date(iso));
}

/**
 * Opens the form. `member` (or null) and `number` prefill it; `searchMembers` lets the user
 * find the member; `advisors` (supervisors) adds who to assign it to and its priority.
 * `onCreated(callback)` runs after the API stored it.
 */
export function openCallbackForm({ member = null, number = '', searchMembers = false, advisors = null, forMe = false, memberAsked = false, onCreated }) {
  let picked = member;
  const memberHost = h('div.cb-form-member');
  const numberInput = h('input.input', { type: 'tel', name: 'number', autocomplete: 'off', value: number || member?.phones?.[0] || '', list: 'cb-form-phones' });
  const phones = h('datalist', { id: 'cb-form-phones' });
  const at = h('input.input', { type: 'datetime-local', name: 'dueAt', required: true, value: toLocalInput(defaultDueAt()), oninput: () => paintWhen() });
  const whenHint = h('div.small.muted.cb-form-when');
  const note = h('textarea.input', { name: 'note', rows: 3, maxlength: NOTE_MAX, placeholder: t('cbForm.notePlaceholder'), oninput: () => paintCount() });
  const noteCount = h('span.small.muted');
  const assign = advisors
    ? h(
        'select.input',
        { name: 'assignedAdvisorId' },
        h('option', { value: '' }, t('cbForm.assignNone')),
        advisors.filter((a) => a.active !== false).map((a) => h('option', { value: String(a.id) }, `${advisorName(a)} · ${tv('tier', a.tier)}`)),
      )
    : null;
  // A call the member asked for is not held back by the weekly cap or the gap between proactive calls.
  const asked = h('input', { type: 'checkbox', name: 'memberAsked', checked: memberAsked });
  const priority = advisors ? h('input.input', { type: 'number', name: 'priority', min: PRIORITY_MIN, max: PRIORITY_MAX, step: 1, required: true, value: '0' }) : null;

  function paintCount() {
    noteCount.textContent = t('cbForm.noteCount', { n: note.value.length, max: NOTE_MAX });
  }

  /**
   * The chosen time in words, in the user's language (the browser draws the input in its own
   * locale, which may not be the desktop's), and the member's time when they live elsewhere.
   */
  function paintWhen() {
    const iso = fromLocalInput(at.value);
    if (!iso) return replace(whenHint);
    const mine = browserTimeZone();
    const theirs = picked?.timeZone && picked.timeZone !== mine ? picked.timeZone : null;
    replace(
      whenHint,
      t('cbForm.whenText', { when: timeIn(mine, iso), relative: relative(iso) }),
      theirs ? [' · ', t('cbForm.yourZone', { zone: mine }), h('br'), h('strong', {}, t('cbForm.memberTime', { zone: theirs, time: timeIn(theirs, iso) }))] : null,
    );
  }

  /** A member picked in the search brings their first phone; the caller's number from a pop stays. */
  function pick(next, { prefill = true } = {}) {
    picked = next;
    if (prefill && next?.phones?.length) numberInput.value = next.phones[0];
    replace(phones, (next?.phones ?? []).map((p) => h('option', { value: p })));
    paintMember();
    paintWhen();
  }

  function ownerLine(m) {
    const owner = m.ownerId && advisors ? advisors.find((a) => a.id === m.ownerId) : null;
    return owner ? t('cbForm.owner', { name: advisorName(owner) }) : null;
  }

  function memberCard(m) {
    const owner = ownerLine(m);
    return h(
      'div.cb-form-picked',
      {},
      h('div.grow', {}, h('strong', {}, m.name), ' ', levelChip(m.level), h('div.small.muted', {}, h('span.mono', {}, m.memberNo), owner ? ` · ${owner}` : null)),
      searchMembers ? h('button.btn.small.ghost', { type: 'button', onclick: () => pick(null) }, t('cbForm.change')) : null,
    );
  }

  function paintMember() {
    if (picked) return replace(memberHost, h('div.field', {}, h('span', {}, t('cbForm.member')), memberCard(picked)));
    if (!searchMembers) return replace(memberHost, h('div.field', {}, h('span', {}, t('cbForm.member')), h('div.cb-form-picked.muted', {}, t('cbForm.notMember'))));
    replace(memberHost, memberSearch());
  }

  function memberSearch() {
    const q = h('input.input.grow', { type: 'search', name: 'memberSearch', placeholder: t('unknown.search') });
    const results = h('div');
    const error = h('div.error-text');
    async function run() {
      const text = q.value.trim();
      error.textContent = '';
      if (!text) return;
      try {
        const found = listOf(await get(`/api/members${query({ q: text })}`), 'members');
        replace(
          results,
          found.length
            ? h(
                'div.search-results',
                {},
                found.slice(0, 6).map((m) =>
                  h(
                    'div.item',
                    { dataset: { memberId: String(m.id) } },
                    h('div.grow', {}, h('strong', {}, m.name), ' ', levelChip(m.level), h('div.small.muted.mono', {}, m.memberNo, ' · ', (m.phones ?? []).join(', '))),
                    h('button.btn.small', { type: 'button', onclick: () => pick(m) }, t('cbForm.pick')),
                  ),
                ),
              )
            : h('div.muted.small', { style: 'margin-top:6px' }, t('unknown.noResults', { q: text })),
        );
      } catch (err) {
        error.textContent = err.message;
      }
    }
    // Enter in the search box searches; it must not submit the whole form.
    q.addEventListener('keydown', (e) => {
      if (e.key !== 'Enter') return;
      e.preventDefault();
      void run();
    });
    return h(
      'div.field',
      {},
      h('span', {}, t('cbForm.member')),
      h('div.row', {}, q, h('button.btn', { type: 'button', onclick: () => void run() }, t('common.search'))),
      h('div.small.muted', {}, t('cbForm.memberHint')),
      error,
      results,
    );
  }

  async function submit() {
    const dueAt = fromLocalInput(at.value);
    const body = { memberId: picked?.id ?? null, reason: asked.checked ? 'requested' : 'manual', number: numberInput.value.trim(), dueAt };
    const text = note.value.trim();
    if (text) body.note = text;
    if (assign?.value) body.assignedAdvisorId = Number(assign.value);
    if (priority) body.priority = Number(priority.value);
    const created = await post('/api/callbacks', body);
    onCreated?.(created);
  }

  pick(member, { prefill: false });
  paintCount();
  openModal({
    title: picked && !searchMembers ? t('cbForm.titleFor', { name: picked.name }) : t('cbForm.title'),
    submitLabel: t('cbForm.submit'),
    body: h(
      'div.stack.cb-form',
      {},
      memberHost,
      h(
        'div.cb-form-grid',
        {},
        h('label.field', {}, h('span', {}, t('cbForm.number')), numberInput, phones),
        h('label.field', {}, h('span', {}, t('cbForm.when')), at),
      ),
      whenHint,
      advisors
        ? h(
            'div.cb-form-grid',
            {},
            h('label.field', {}, h('span', {}, t('cbForm.assign')), assign),
            h('label.field', {}, h('span', {}, t('cbForm.priority')), priority),
          )
        : null,
      h('label.field', {}, h('span.row', {}, t('cbForm.note'), h('span.grow'), noteCount), note),
      h('label.row.cb-form-asked', {}, asked, h('span', {}, t('cbForm.memberAsked'))),
      forMe ? h('div.small.muted', {}, t('cbForm.forMe')) : null,
    ),
    onSubmit: submit,
  });
}

/** "Callback planned for Tue 25 Nov, 15:00", for the toast after the API stored it. */
export function plannedText(callback) {
  return t('cbForm.created', { when: dateTime(callback.dueAt) });
}
