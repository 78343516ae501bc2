// Recent calls and the reason trail of one: "why did this call go to Bob?"
import { h, replace } from '../../dom.js';
import { t } from '../../i18n.js';
import { get, listOf, query } from '../../api.js';
import { clock, dateTime } from '../../format.js';
import { advisorName, errorBox, loading, routeReasonChip } from '../common.js';
import { advisorById, loadAdvisors } from './advisors-cache.js';
import { withMemberNames } from '../../member-names.js';

const answeredBy = (call) => call.answeredBy ?? call.advisorId ?? null;
const FAILED_OUTCOMES = /no-answer|busy|timeout|failed|abandon|declined|unavailable/i;
let selected = null;

export function mountCalls(page) {
  const list = h('section.panel');
  const detail = h('section.panel');
  replace(page, h('div.two-col', { style: 'grid-template-columns:minmax(0,1.2fr) minmax(0,1fr)' }, list, detail));
  const lookup = h('input.input', { placeholder: t('calls.lookup'), style: 'width:140px' });

  async function loadList() {
    replace(list, head(), loading());
    try {
      await loadAdvisors();
      const calls = await withMemberNames(listOf(await get(`/api/calls${query({ limit: 50 })}`), 'calls'));
      replace(list, head(), calls.length ? table(calls) : h('div.empty', {}, t('calls.empty')));
    } catch (err) {
      replace(list, head(), errorBox(err, loadList));
    }
  }

  function head() {
    return h(
      'div.panel-head',
      {},
      h('h2', {}, t('calls.title')),
      h('div.grow'),
      h('form.row', { onsubmit: (e) => (e.preventDefault(), lookup.value.trim() && void show(lookup.value.trim())) }, lookup, h('button.btn.small', { type: 'submit' }, t('calls.show'))),
    );
  }

  function table(calls) {
    return h(
      'div.table-wrap',
      {},
      h(
        'table.table',
        {},
        h('thead', {}, h('tr', {}, h('th', {}, t('calls.when')), h('th', {}, t('calls.caller')), h('th', {}, t('calls.reason')), h('th', {}, t('calls.advisor')), h('th', {}, t('calls.outcome')))),
        h(
          'tbody',
          {},
          calls.map((c) =>
            h(
              'tr',
              { style: 'cursor:pointer', class: String(c.id) === String(selected) ? 'selected' : '', onclick: () => void show(c.id) },
              h('td.small', {}, dateTime(c.startedAt ?? c.createdAt)),
              h('td', {}, c.memberName ? h('strong', {}, c.memberName) : null, h('div.mono.small.muted', {}, c.callerNumber)),
              h('td', {}, c.reason ? routeReasonChip(c.reason) : t('common.none')),
              h('td', {}, answeredBy(c) ? advisorName(advisorById(answeredBy(c))) : h('span.muted', {}, t('common.none'))),
              h('td.small', {}, c.outcome ?? c.state ?? ''),
            ),
          ),
        ),
      ),
    );
  }

  async function show(id) {
    selected = id;
    replace(detail, loading());
    try {
      const data = await get(`/api/calls/${encodeURIComponent(id)}`);
      const [call] = await withMemberNames([data.call ?? data]);
      const trail = data.trail ?? call.trail ?? [];
      const who = answeredBy(call) ? advisorName(advisorById(answeredBy(call))) : null;
      replace(
        detail,
        h('div.panel-head', {}, h('h3', {}, who ? t('calls.trail', { name: who }) : t('calls.trailNobody', { id }))),
        h(
          'div.panel-body',
          {},
          h('div.row.wrap', { style: 'margin-bottom:14px' }, h('span.mono', {}, call.callerNumber ?? ''), call.memberName ? h('strong', {}, call.memberName) : null, call.reason ? routeReasonChip(call.reason) : null),
          h(
            'ol.trail',
            {},
            trail.map((s) =>
              h(
                'li',
                { class: s.outcome && FAILED_OUTCOMES.test(s.outcome) ? 'fail' : '' },
                h('div.when', {}, clock(s.at)),
                h('div.what', {}, s.step, s.advisorId ? ` → ${advisorName(advisorById(s.advisorId))}` : '', ' ', s.reason ? routeReasonChip(s.reason) : null),
                s.detail ? h('div', {}, s.detail) : null,
                s.outcome ? h('div.small.muted', {}, s.outcome) : null,
              ),
            ),
          ),
        ),
      );
    } catch (err) {
      replace(detail, errorBox(err, () => show(id)));
    }
  }

  replace(detail, h('div.empty', {}, t('calls.pick')));
  void loadList();
  if (selected !== null) void show(selected);
  return { destroy() {} };
}
