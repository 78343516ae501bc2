// Advisors and their delegate chains (who stands in, in which order).
import { h, replace } from '../../dom.js';
import { t, tv } from '../../i18n.js';
import { put } from '../../api.js';
import { count } from '../../format.js';
import { openModal } from '../../ui/modal.js';
import { toast } from '../../ui/toast.js';
import { advisorAltName, advisorName, errorBox, loading, tierChip } from '../common.js';
import { advisorById, loadAdvisors } from './advisors-cache.js';

export function mountAdvisors(page) {
  let advisors = null;
  let error = null;

  async function load(force = false) {
    try {
      advisors = await loadAdvisors(force);
      error = null;
    } catch (err) {
      error = err;
    }
    render();
  }

  function chain(ids) {
    if (!ids?.length) return h('span.muted', {}, t('adv.noDelegates'));
    return h(
      'span.delegates-list',
      {},
      ids.map((id, i) => [i ? h('span.arrow', {}, '→') : null, h('span.chip', {}, advisorName(advisorById(id)))]),
    );
  }

  function edit(advisor) {
    const picked = [...(advisor.delegates ?? [])];
    const list = h('div.stack', { style: 'gap:6px' });
    const add = h('select.input');
    function paint() {
      replace(
        list,
        picked.length
          ? picked.map((id, i) =>
              h(
                'div.row',
                {},
                h('span.muted.mono', { style: 'width:18px' }, String(i + 1)),
                h('span.grow', {}, advisorName(advisorById(id))),
                h('button.btn.small', { type: 'button', disabled: i === 0, onclick: () => (picked.splice(i - 1, 0, ...picked.splice(i, 1)), paint()) }, '↑ ', t('adv.up')),
                h('button.btn.small.danger', { type: 'button', onclick: () => (picked.splice(i, 1), paint()) }, t('adv.remove')),
              ),
            )
          : h('div.muted', {}, t('adv.noDelegates')),
      );
      replace(
        add,
        h('option', { value: '' }, t('adv.pick')),
        advisors.filter((a) => a.id !== advisor.id && !picked.includes(a.id) && a.active !== false).map((a) => h('option', { value: String(a.id) }, `${advisorName(a)} · ${tv('tier', a.tier)}`)),
      );
    }
    add.addEventListener('change', () => {
      if (add.value) picked.push(Number(add.value));
      paint();
    });
    paint();
    openModal({
      title: t('adv.editTitle', { name: advisorName(advisor) }),
      body: [h('div.muted', {}, t('adv.editHint', { name: advisorName(advisor) })), list, h('label.field', {}, h('span', {}, t('adv.add')), add)],
      onSubmit: async () => {
        await put(`/api/advisors/${advisor.id}/delegates`, { delegates: picked });
        toast(t('adv.saved', { name: advisorName(advisor) }));
        await load(true);
      },
    });
  }

  function render() {
    if (error) return replace(page, errorBox(error, () => load(true)));
    if (!advisors) return replace(page, loading());
    replace(
      page,
      h(
        'section.panel',
        {},
        h('div.panel-head', {}, h('h2', {}, t('adv.title')), h('span.count', {}, String(advisors.length))),
        h(
          'div.table-wrap',
          {},
          h(
            'table.table',
            {},
            h('thead', {}, h('tr', {}, h('th', {}, t('adv.name')), h('th', {}, t('adv.tier')), h('th', {}, t('adv.endpoint')), h('th.num', {}, t('adv.members')), h('th', {}, t('adv.delegates')), h('th', {}))),
            h(
              'tbody',
              {},
              advisors.map((a) =>
                h(
                  'tr',
                  {},
                  h('td', {}, h('strong', {}, advisorName(a)), ' ', h('span.muted', {}, advisorAltName(a)), a.active === false ? [' ', h('span.chip.absent', {}, t('adv.inactive'))] : null),
                  h('td', {}, tierChip(a.tier)),
                  h('td.mono.small', {}, a.endpoint),
                  h('td.num', {}, `${count(a.memberCount ?? a.members)} / ${count(a.capacity)}`),
                  h('td', {}, chain(a.delegates)),
                  h('td.actions', {}, h('button.btn.small', { type: 'button', onclick: () => edit(a) }, t('adv.edit'))),
                ),
              ),
            ),
          ),
        ),
      ),
    );
  }

  render();
  void load(true);
  return { destroy() {} };
}
