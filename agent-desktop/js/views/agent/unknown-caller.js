// A caller the server could not match: the number, and a search to find and link the member.
import { h } from '../../dom.js';
import { t } from '../../i18n.js';
import { get, listOf, query } from '../../api.js';
import { levelChip } from '../common.js';

export function unknownCaller(pop, draft, onChange) {
  const input = h('input.input.grow', {
    type: 'search',
    placeholder: t('unknown.search'),
    value: draft.search || '',
    oninput: (e) => (draft.search = e.target.value),
  });
  const error = h('div.error-text');

  async function search(e) {
    e.preventDefault();
    const q = draft.search.trim();
    if (!q) return;
    try {
      draft.results = { q, members: listOf(await get(`/api/members${query({ q })}`), 'members') };
      onChange();
    } catch (err) {
      error.textContent = err.message;
    }
  }

  const results = draft.results
    ? draft.results.members.length
      ? h(
          'div.search-results',
          {},
          draft.results.members.slice(0, 8).map((m) =>
            h(
              'div.item',
              {},
              h('div.grow', {}, h('strong', {}, m.name), ' ', levelChip(m.level), h('div.muted.small.mono', {}, m.memberNo, ' · ', (m.phones ?? []).join(', '))),
              h('button.btn.small', { type: 'button', onclick: () => ((draft.linkedMember = m), onChange()) }, t('unknown.link')),
            ),
          ),
        )
      : h('div.muted', { style: 'margin-top:10px' }, t('unknown.noResults', { q: draft.results.q }))
    : null;

  return h(
    'div.unknown',
    {},
    h('div.row', {}, h('span.number', {}, pop.callerNumber || t('common.none')), h('span.chip.absent', {}, t('unknown.notMember'))),
    h('p.muted', {}, t('unknown.hint')),
    h('form.row', { onsubmit: search }, input, h('button.btn', { type: 'submit' }, t('unknown.searchBtn'))),
    error,
    results,
  );
}
