// "My callbacks": what this advisor owes, own members first, most overdue on top.
import { h } from '../../dom.js';
import { t } from '../../i18n.js';
import { get, listOf, post, query } from '../../api.js';
import { toast } from '../../ui/toast.js';
import { relative } from '../../format.js';
import { callbackReasonChip, errorBox, loading } from '../common.js';
import { withMemberNames } from '../../member-names.js';
import { openCallbackForm, plannedText } from '../callback-form.js';

const OPEN = new Set(['pending', 'reserved']);

export function createMyCallbacks(myAdvisorId) {
  const state = { items: null, error: null };
  const el = h('section.panel');
  let busy = false;
  let again = false;

  async function refresh() {
    // A change pushed while a read is in flight may not be in that read: read once more after it.
    if (busy) return void (again = true);
    busy = true;
    try {
      const data = await get(`/api/callbacks${query({ advisorId: myAdvisorId })}`);
      // A callback a supervisor assigned to someone else is theirs to make, not this advisor's.
      const mine = listOf(data, 'callbacks').filter((c) => OPEN.has(c.state) && (c.assignedAdvisorId === null || c.assignedAdvisorId === undefined || c.assignedAdvisorId === myAdvisorId));
      state.items = await withMemberNames(mine);
      state.error = null;
    } catch (err) {
      state.error = err;
    } finally {
      busy = false;
      render();
    }
    if (again) {
      again = false;
      void refresh();
    }
  }

  function plan() {
    // The list follows from the server's callbacks:changed, like every other change.
    openCallbackForm({ searchMembers: true, forMe: true, onCreated: (callback) => toast(plannedText(callback)) });
  }

  async function callNow(cb, button) {
    button.disabled = true;
    try {
      await post(`/api/callbacks/${cb.id}/call-now`);
      toast(t('myCb.calling'));
      void refresh();
    } catch (err) {
      toast(err.message, 'error');
      button.disabled = false;
    }
  }

  function row(cb) {
    const overdue = new Date(cb.dueAt).getTime() <= Date.now();
    const button = h('button.btn.small.primary', { type: 'button', onclick: () => callNow(cb, button) }, t('myCb.callNow'));
    return h(
      'li',
      { dataset: { callbackId: String(cb.id) } },
      h(
        'div.who',
        {},
        h('div.n', {}, cb.memberName || cb.number, callbackReasonChip(cb.reason)),
        h(
          'div.meta',
          {},
          h('span.mono', {}, cb.number),
          ' · ',
          h('span', { class: overdue ? 'overdue' : '', dataset: { relative: cb.dueAt } }, relative(cb.dueAt)),
        ),
      ),
      button,
    );
  }

  function render() {
    const items = state.items ?? [];
    const byDue = (a, b) => new Date(a.dueAt).getTime() - new Date(b.dueAt).getTime() || (b.priority ?? 0) - (a.priority ?? 0);
    const own = items.filter((c) => c.preferredAdvisorId === myAdvisorId).sort(byDue);
    const others = items.filter((c) => c.preferredAdvisorId !== myAdvisorId).sort(byDue);
    el.replaceChildren(
      h('div.panel-head', {}, h('h3', {}, t('myCb.title')), h('span.count', {}, String(items.length)), h('div.grow'), h('button.btn.small.plan-callback', { type: 'button', onclick: plan }, t('cbForm.plan')), h('button.btn.small.ghost', { type: 'button', onclick: refresh }, t('common.refresh'))),
      state.error
        ? errorBox(state.error, refresh)
        : state.items === null
          ? loading()
          : items.length === 0
            ? h('div.empty', {}, t('myCb.empty'))
            : h(
                'div',
                {},
                own.length ? [h('div.cb-group', {}, t('myCb.own')), h('ul.cb-list', {}, own.map(row))] : null,
                others.length ? [h('div.cb-group', {}, t('myCb.others')), h('ul.cb-list', {}, others.map(row))] : null,
              ),
    );
  }

  render();
  return { el, refresh, render };
}
