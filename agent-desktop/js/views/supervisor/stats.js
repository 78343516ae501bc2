// Today's statistics: affinity with its parts, service level, abandonment, callback SLA,
// per advisor and per hour.
import { h, replace } from '../../dom.js';
import { t } from '../../i18n.js';
import { get, listOf } from '../../api.js';
import { count, pct, ratio } from '../../format.js';
import { advisorName, errorBox, loading } from '../common.js';
import { advisorById, loadAdvisors } from './advisors-cache.js';

export function mountStats(page) {
  async function load() {
    replace(page, loading());
    try {
      await loadAdvisors();
      render(await get('/api/stats'));
    } catch (err) {
      replace(page, errorBox(err, load));
    }
  }

  function tile(label, value, sub, cls = '') {
    return h('div.panel.kpi', {}, h('div.k', {}, label), h('div.v', { class: cls }, value), sub ? h('div.sub', {}, sub) : null);
  }

  function render(s) {
    const aff = s.affinity ?? { own: 0, delegate: 0, pool: 0, rate: 0 };
    const total = (aff.own ?? 0) + (aff.delegate ?? 0) + (aff.pool ?? 0);
    const width = (n) => `${total ? (100 * n) / total : 0}%`;
    const byAdvisor = listOf(s.byAdvisor, 'items');
    const byHour = listOf(s.byHour, 'items');
    const peak = Math.max(1, ...byHour.map((b) => (b.own ?? 0) + (b.delegate ?? 0) + (b.pool ?? 0)));
    replace(
      page,
      h(
        'div.kpis',
        {},
        h(
          'div.panel.kpi',
          {},
          h('div.k', {}, t('wb.affinity')),
          h('div.v', {}, pct(aff.rate)),
          h('div.split-bar', {}, h('span.own', { style: `width:${width(aff.own)}` }), h('span.delegate', { style: `width:${width(aff.delegate)}` }), h('span.pool', { style: `width:${width(aff.pool)}` })),
          h('div.sub', {}, t('wb.affinityParts', { own: count(aff.own), delegate: count(aff.delegate), pool: count(aff.pool) })),
        ),
        tile(t('wb.serviceLevel'), pct(s.serviceLevel)),
        tile(t('wb.abandonment'), pct(s.abandonment)),
        tile(t('stats.callbackSla'), pct(s.callbackSla)),
        tile(t('stats.calls'), count(total)),
      ),
      h(
        'div.two-col',
        {},
        h(
          'section.panel',
          {},
          h('div.panel-head', {}, h('h3', {}, t('stats.byAdvisor'))),
          h(
            'table.table',
            {},
            h('thead', {}, h('tr', {}, h('th', {}, t('adv.name')), h('th.num', {}, t('wb.own')), h('th.num', {}, t('wb.delegate')), h('th.num', {}, t('wb.pool')), h('th.num', {}, t('stats.affinity')))),
            h(
              'tbody',
              {},
              byAdvisor.map((a) => {
                const sum = (a.own ?? 0) + (a.delegate ?? 0) + (a.pool ?? 0);
                const rate = ratio(a.rate) ?? (sum ? ((a.own ?? 0) + (a.delegate ?? 0)) / sum : null);
                return h(
                  'tr',
                  {},
                  h('td', {}, a.name ?? advisorName(advisorById(a.advisorId))),
                  h('td.num', {}, count(a.own)),
                  h('td.num', {}, count(a.delegate)),
                  h('td.num', {}, count(a.pool)),
                  h('td.num', {}, h('strong', {}, pct(rate))),
                );
              }),
            ),
          ),
        ),
        h(
          'section.panel',
          {},
          h('div.panel-head', {}, h('h3', {}, t('stats.byHour')), h('div.grow'), h('div.legend', {}, h('span', {}, h('i.own'), t('wb.own')), h('span', {}, h('i.delegate'), t('wb.delegate')), h('span', {}, h('i.pool'), t('wb.pool')))),
          h(
            'div.panel-body',
            {},
            h(
              'div.hours',
              {},
              byHour.map((b) => {
                const height = (n) => `${(100 * (n ?? 0)) / peak}%`;
                return h(
                  'div.col',
                  { title: `${b.hour}:00 · ${t('wb.own')} ${b.own ?? 0} · ${t('wb.delegate')} ${b.delegate ?? 0} · ${t('wb.pool')} ${b.pool ?? 0}` },
                  h(
                    'div.stack-bar',
                    { style: `height:${height((b.own ?? 0) + (b.delegate ?? 0) + (b.pool ?? 0))}` },
                    h('span.own', { style: `flex:${b.own ?? 0}` }),
                    h('span.delegate', { style: `flex:${b.delegate ?? 0}` }),
                    h('span.pool', { style: `flex:${b.pool ?? 0}` }),
                  ),
                  h('span.lbl', {}, String(b.hour).padStart(2, '0')),
                );
              }),
            ),
          ),
        ),
      ),
    );
  }

  void load();
  return { destroy() {} };
}
