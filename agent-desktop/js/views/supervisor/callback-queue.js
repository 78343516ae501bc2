// Callback queue: filter, then assign, reschedule, prioritise or cancel (with a reason).
import { h, replace } from '../../dom.js';
import { t, tv } from '../../i18n.js';
import { del, get, listOf, patch, query } from '../../api.js';
import { dateTime, fromLocalInput, relative, toLocalInput } from '../../format.js';
import { listen } from '../../socket.js';
import { openModal } from '../../ui/modal.js';
import { toast } from '../../ui/toast.js';
import { advisorName, callbackReasonChip, callbackStateChip, errorBox, loading } from '../common.js';
import { advisorById, loadAdvisors } from './advisors-cache.js';
import { withMemberNames } from '../../member-names.js';
import { openCallbackForm, plannedText } from '../callback-form.js';

const STATES = ['pending', 'reserved', 'dialing', 'completed', 'failed', 'cancelled'];
const REASONS = ['requested', 'abandoned', 'peak-offer', 'manual'];
const OPEN = 'pending,reserved,dialing';
const filters = { state: OPEN, reason: '', advisorId: '', dueBefore: '' };

export function mountCallbackQueue(page) {
  let rows = null;
  let error = null;
  let advisors = [];
  let loads = 0;
  const tableHost = h('div');
  const countHost = h('span');

  async function load() {
    // Reads can overlap (a push during a read): only the latest one is drawn.
    const mine = ++loads;
    let next;
    let failed = null;
    try {
      advisors = await loadAdvisors();
      const data = await get(`/api/callbacks${query({ ...filters, dueBefore: fromLocalInput(filters.dueBefore) })}`);
      next = await withMemberNames(listOf(data, 'callbacks'));
    } catch (err) {
      failed = err;
    }
    if (mine !== loads) return;
    if (failed) {
      error = failed;
    } else {
      rows = next;
      error = null;
    }
    renderTable();
  }

  async function newCallback() {
    try {
      advisors = await loadAdvisors();
    } catch (err) {
      return void toast(err.message, 'error');
    }
    openCallbackForm({
      searchMembers: true,
      advisors,
      onCreated: (callback) => {
        toast(plannedText(callback));
        void load();
      },
    });
  }

  function select(key, options, allLabel) {
    return h(
      'select.input',
      { onchange: (e) => (filters[key] = e.target.value) },
      h('option', { value: '', selected: filters[key] === '' }, allLabel),
      options.map(([value, label]) => h('option', { value, selected: filters[key] === String(value) }, label)),
    );
  }

  function renderFilters() {
    return h(
      'form.filters',
      { onsubmit: (e) => (e.preventDefault(), void load()) },
      h(
        'label.field',
        {},
        h('span', {}, t('cbq.state')),
        select('state', [[OPEN, t('cbq.open')], ...STATES.map((s) => [s, tv('cbState', s)])], t('cbq.all')),
      ),
      h('label.field', {}, h('span', {}, t('cbq.reason')), select('reason', REASONS.map((r) => [r, tv('cbReason', r)]), t('cbq.all'))),
      h('label.field', {}, h('span', {}, t('cbq.advisor')), select('advisorId', advisors.map((a) => [String(a.id), advisorName(a)]), t('cbq.all'))),
      h(
        'label.field',
        {},
        h('span', {}, t('cbq.dueBefore')),
        h('input.input', { type: 'datetime-local', value: filters.dueBefore, onchange: (e) => (filters.dueBefore = e.target.value) }),
      ),
      h('button.btn.primary', { type: 'submit' }, t('cbq.apply')),
      h(
        'button.btn.ghost',
        { type: 'button', onclick: () => (Object.assign(filters, { state: OPEN, reason: '', advisorId: '', dueBefore: '' }), render(), void load()) },
        t('cbq.reset'),
      ),
    );
  }

  function actions(cb) {
    const open = ['pending', 'reserved', 'failed'].includes(cb.state);
    if (!open) return null;
    return [
      h('button.btn.small', { type: 'button', onclick: () => assign(cb) }, t('cbq.assign')),
      h('button.btn.small', { type: 'button', onclick: () => reschedule(cb) }, t('cbq.reschedule')),
      h('button.btn.small', { type: 'button', onclick: () => priority(cb) }, t('cbq.setPriority')),
      h('button.btn.small.danger', { type: 'button', onclick: () => cancel(cb) }, t('cbq.cancel')),
    ];
  }

  function renderTable() {
    replace(countHost, rows ? h('span.count', {}, String(rows.length)) : null);
    if (error) return replace(tableHost, errorBox(error, load));
    if (!rows) return replace(tableHost, loading());
    if (!rows.length) return replace(tableHost, h('div.empty', {}, t('cbq.empty')));
    const now = Date.now();
    replace(
      tableHost,
      h(
        'div.table-wrap',
        {},
        h(
          'table.table',
          {},
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ['#', t('cbq.member'), t('cbq.reason'), t('cbq.state'), t('cbq.preferred'), t('cbq.assigned'), t('cbq.priority'), t('cbq.due'), t('cbq.attempts'), ''].map((label, i) =>
                h('th', { class: i === 6 || i === 8 ? 'num' : '' }, label),
              ),
            ),
          ),
          h(
            'tbody',
            {},
            rows.map((cb) =>
              h(
                'tr',
                { dataset: { callbackId: String(cb.id) } },
                h('td.mono.muted', {}, String(cb.id)),
                h('td', {}, h('strong', {}, cb.memberName ?? t('common.none')), h('div.mono.small.muted', {}, cb.number)),
                h('td', {}, callbackReasonChip(cb.reason)),
                h('td', {}, callbackStateChip(cb.state)),
                h('td', {}, cb.preferredAdvisorId ? advisorName(advisorById(cb.preferredAdvisorId)) : t('common.none')),
                h('td', {}, cb.assignedAdvisorId ? h('strong', {}, advisorName(advisorById(cb.assignedAdvisorId))) : h('span.muted', {}, t('common.none'))),
                h('td.num', {}, String(cb.priority ?? 0)),
                h(
                  'td',
                  { title: dateTime(cb.dueAt) },
                  h('span', { class: new Date(cb.dueAt).getTime() < now && ['pending', 'reserved'].includes(cb.state) ? 'overdue' : '', dataset: { relative: cb.dueAt } }, relative(cb.dueAt)),
                ),
                h('td.num', {}, `${cb.attempts ?? 0}/${cb.maxAttempts ?? '–'}`),
                h('td.actions', {}, actions(cb)),
              ),
            ),
          ),
        ),
      ),
    );
  }

  async function change(cb, body) {
    await patch(`/api/callbacks/${cb.id}`, body);
    toast(t('cbq.done', { id: cb.id }));
    void load();
  }

  function assign(cb) {
    const pick = h(
      'select.input',
      {},
      h('option', { value: '' }, t('cbq.unassign')),
      advisors.filter((a) => a.active !== false).map((a) => h('option', { value: String(a.id), selected: a.id === cb.assignedAdvisorId }, `${advisorName(a)} · ${tv('tier', a.tier)}`)),
    );
    openModal({
      title: t('cbq.assignTitle', { id: cb.id }),
      body: [h('div.muted', {}, t('cbq.assignHint')), h('label.field', {}, h('span', {}, t('cbq.advisor')), pick)],
      onSubmit: () => change(cb, { assignedAdvisorId: pick.value ? Number(pick.value) : null }),
    });
  }

  function reschedule(cb) {
    const at = h('input.input', { type: 'datetime-local', required: true, value: toLocalInput(cb.dueAt) });
    openModal({
      title: t('cbq.rescheduleTitle', { id: cb.id }),
      body: h('label.field', {}, h('span', {}, t('cbq.newDue')), at),
      onSubmit: () => change(cb, { dueAt: fromLocalInput(at.value) }),
    });
  }

  function priority(cb) {
    const input = h('input.input', { type: 'number', min: -100, max: 100, step: 1, required: true, value: String(cb.priority ?? 0) });
    openModal({
      title: t('cbq.priorityTitle', { id: cb.id }),
      body: [h('div.muted', {}, t('cbq.priorityHint')), h('label.field', {}, h('span', {}, t('cbq.priority')), input)],
      onSubmit: () => change(cb, { priority: Number(input.value) }),
    });
  }

  function cancel(cb) {
    const reason = h('textarea.input', { required: true, rows: 3 });
    openModal({
      title: t('cbq.cancelTitle', { id: cb.id }),
      danger: true,
      submitLabel: t('cbq.confirmCancel'),
      body: [h('div.muted', {}, t('cbq.cancelHint')), h('label.field', {}, h('span', {}, t('cbq.cancelReason')), reason)],
      onSubmit: async () => {
        await del(`/api/callbacks/${cb.id}`, { reason: reason.value.trim() });
        toast(t('cbq.done', { id: cb.id }));
        void load();
      },
    });
  }

  function render() {
    replace(
      page,
      h(
        'section.panel',
        {},
        h('div.panel-head', {}, h('h2', {}, t('cbq.title')), countHost, h('div.grow'), h('button.btn.primary.new-callback', { type: 'button', onclick: newCallback }, t('cbForm.new'))),
        renderFilters(),
        tableHost,
      ),
    );
    renderTable();
  }

  const off = listen('callbacks:changed', () => void load());
  render();
  void load().then(render);
  return { destroy: off };
}
