// Member ownership: reassign one member with a handover note; allocate unowned members and
// recall dormant and lost ones (bulk-moves.js), always with a preview before anything changes.
import { h, replace } from '../../dom.js';
import { t, tv } from '../../i18n.js';
import { get, listOf, post, query } from '../../api.js';
import { toast } from '../../ui/toast.js';
import { advisorName, levelChip, stageChips } from '../common.js';
import { advisorById, loadAdvisors } from './advisors-cache.js';
import { bulkMovesPanel } from './bulk-moves.js';

export function mountMembers(page) {
  const reassign = h('section.panel');
  const allocation = h('section.panel');
  const recall = h('section.panel');
  replace(page, h('div.stack', { style: 'gap:16px' }, reassign, h('div.two-col', { style: 'grid-template-columns:1fr 1fr' }, allocation, recall)));
  void loadAdvisors().then(
    (advisors) => {
      reassignPanel(reassign, advisors);
      bulkMovesPanel(allocation, 'allocation');
      bulkMovesPanel(recall, 'recall');
    },
    (err) => replace(page, h('div.empty.error-text', {}, err.message)),
  );
  return { destroy() {} };
}

function reassignPanel(el, advisors) {
  let picked = null;
  const q = h('input.input.grow', { type: 'search', placeholder: t('unknown.search') });
  const results = h('div');
  const advisor = h(
    'select.input',
    {},
    h('option', { value: '' }, t('adv.pick')),
    advisors.filter((a) => a.active !== false).map((a) => h('option', { value: String(a.id) }, `${advisorName(a)} · ${tv('tier', a.tier)}`)),
  );
  const note = h('textarea.input', { rows: 3, placeholder: t('mem.notePlaceholder') });
  const reason = h('select.input', {}, REASSIGN_REASONS.map((r) => h('option', { value: r, selected: r === 'rebalance' }, t(`mem.reason.${r}`))));
  const error = h('div.error-text');

  async function search(e) {
    e.preventDefault();
    error.textContent = '';
    try {
      const members = listOf(await get(`/api/members${query({ q: q.value.trim() })}`), 'members');
      replace(
        results,
        members.length
          ? h(
              'div.search-results',
              {},
              members.slice(0, 8).map((m) =>
                h(
                  'label.item',
                  {},
                  h('input', { type: 'radio', name: 'member', onchange: () => (picked = m) }),
                  h('div.grow', {}, h('strong', {}, m.name), ' ', levelChip(m.level), ' ', stageChips(m.lifecycle), h('div.small.muted', {}, h('span.mono', {}, m.memberNo), ' · ', t('mem.current', { advisor: m.ownerId ? advisorName(advisorById(m.ownerId)) : t('mem.unowned') }))),
                ),
              ),
            )
          : h('div.muted', { style: 'margin-top:8px' }, t('unknown.noResults', { q: q.value })),
      );
    } catch (err) {
      error.textContent = err.message;
    }
  }

  async function submit(e) {
    e.preventDefault();
    error.textContent = '';
    if (!picked) return void (error.textContent = t('mem.pickMember'));
    if (!advisor.value) return void (error.textContent = t('mem.pickAdvisor'));
    try {
      await post(`/api/members/${picked.id}/owner`, { advisorId: Number(advisor.value), note: note.value.trim(), reason: reason.value });
      toast(t('mem.done', { name: picked.name, advisor: advisorName(advisorById(Number(advisor.value))) }));
      note.value = '';
      replace(results);
      picked = null;
    } catch (err) {
      error.textContent = err.message;
    }
  }

  replace(
    el,
    h('div.panel-head', {}, h('h2', {}, t('mem.reassign'))),
    h(
      'div.panel-body.two-col',
      {},
      h('div', {}, h('div.muted', { style: 'margin-bottom:8px' }, t('mem.reassignHint')), h('form.row', { onsubmit: search }, q, h('button.btn', { type: 'submit' }, t('common.search'))), results),
      h(
        'form.stack',
        { onsubmit: submit },
        h('div.row', { style: 'align-items:flex-end' }, h('label.field.grow', {}, h('span', {}, t('mem.to')), advisor), h('label.field', {}, h('span', {}, t('mem.why')), reason)),
        h('label.field', {}, h('span', {}, t('mem.note')), note),
        h('div.row', {}, error, h('div.grow'), h('button.btn.primary', { type: 'submit' }, t('mem.submit'))),
      ),
    ),
  );
}

const REASSIGN_REASONS = ['member-request', 'rebalance', 'recall-dormant', 'recall-lost', 'advisor-left', 'service-issue', 'other'];
