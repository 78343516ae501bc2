// Today's statistics (GET /api/stats): affinity as the headline with its parts, service
// level, abandonment, callback SLA and callbacks made by the owner; per advisor and per hour.
import { h, replace } from '../../dom.js';
import { t } from '../../i18n.js';
import { get } from '../../api.js';
import { count, pct } from '../../format.js';
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

  /** A share with nothing under it is "no data", not 0 %. */
  const share = (rate, whole) => (whole > 0 ? pct(rate) : t('common.none'));

  function render(s) {
    const aff = s.affinity;
    const handled = aff.own + aff.delegate + aff.pool;
    const width = (n) => `${handled ? (100 * n) / handled : 0}%`;
    replace(
      page,
      h(
        'div.kpis.six',
        {},
        h(
          'div.panel.kpi',
          {},
          h('div.k', {}, t('wb.affinity')),
          h('div.v', {}, share(aff.rate, handled)),
          h('div.split-bar', {}, h('span.own', { style: `width:${width(aff.own)}` }), h('span.delegate', { style: `width:${width(aff.delegate)}` }), h('span.pool', { style: `width:${width(aff.pool)}` })),
          h('div.sub', {}, t('wb.affinityParts', { own: count(aff.own), delegate: count(aff.delegate), pool: count(aff.pool) })),
        ),
        tile(t('wb.serviceLevel'), share(s.serviceLevel.rate, s.abandonment.offered), t('stats.slSub', { within: count(s.serviceLevel.answeredWithin), offered: count(s.abandonment.offered), seconds: Math.round(s.range.serviceLevelMs / 1000) })),
        tile(t('wb.abandonment'), share(s.abandonment.rate, s.abandonment.offered), t('wb.abandonedN', { n: count(s.abandonment.abandoned) })),
        tile(t('stats.callbackSla'), share(s.callbackSla.rate, s.callbackSla.completed), t('stats.slaSub', { within: count(s.callbackSla.completedWithin), completed: count(s.callbackSla.completed) })),
        tile(t('stats.byOwner'), share(s.callbacksByOwner.rate, s.callbacksByOwner.completed), t('stats.byOwnerSub', { n: count(s.callbacksByOwner.completedByOwner) })),
        tile(t('stats.calls'), count(s.calls.total), t('stats.callsSub', { inbound: count(s.calls.inbound), outbound: count(s.calls.outbound) })),
      ),
      h('div.two-col', {}, advisorTable(s.byAdvisor), hourChart(s.byHour)),
    );
  }

  void load();
  return { destroy() {} };
}

function advisorTable(rows) {
  return h(
    'section.panel',
    {},
    h('div.panel-head', {}, h('h3', {}, t('stats.byAdvisor'))),
    rows.length
      ? h(
          'table.table',
          {},
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              h('th', {}, t('adv.name')),
              h('th.num', {}, t('stats.handled')),
              h('th.num', {}, t('wb.own')),
              h('th.num', {}, t('wb.delegate')),
              h('th.num', {}, t('wb.pool')),
              h('th.num', {}, t('stats.callbacks')),
              h('th.num', {}, t('stats.avgWait')),
              h('th.num', {}, t('stats.affinity')),
            ),
          ),
          h(
            'tbody',
            {},
            [...rows]
              .sort((a, b) => b.answered - a.answered)
              .map((a) =>
                h(
                  'tr',
                  {},
                  h('td', {}, advisorName(advisorById(a.advisorId))),
                  h('td.num', {}, count(a.answered)),
                  h('td.num', {}, count(a.own)),
                  h('td.num', {}, count(a.delegate)),
                  h('td.num', {}, count(a.pool)),
                  h('td.num', {}, count(a.callback)),
                  h('td.num', {}, `${a.averageWaitSeconds}s`),
                  h('td.num', {}, h('strong', {}, a.own + a.delegate + a.pool ? pct(a.affinityRate) : t('common.none'))),
                ),
              ),
          ),
        )
      : h('div.empty', {}, t('stats.noCalls')),
  );
}

/**
 * Per hour of the local day: answered within the service level, answered later, abandoned.
 * Hours come as UTC `YYYY-MM-DDTHH` on the wire; hours without calls show as empty slots.
 */
function hourChart(rows) {
  const byLocalHour = new Map(rows.map((b) => [new Date(`${b.hour}:00:00Z`).getHours(), b]));
  const peak = Math.max(1, ...rows.map((b) => b.answered + b.abandoned));
  // Bars in pixels of a 200 px area: percentages of a flex track collapse in some layouts.
  const height = (n) => `${Math.max(1, Math.round((200 * n) / peak))}px`;
  const label = (hour) => String(hour).padStart(2, '0');
  return h(
    'section.panel',
    {},
    h(
      'div.panel-head',
      {},
      h('h3', {}, t('stats.byHour')),
      h('div.grow'),
      h('div.legend', {}, h('span', {}, h('i.own'), t('stats.inTarget')), h('span', {}, h('i.delegate'), t('stats.late')), h('span', {}, h('i.pool'), t('stats.abandoned'))),
    ),
    rows.length
      ? h(
          'div.panel-body',
          {},
          h(
            'div.hours',
            {},
            Array.from({ length: 24 }, (_, hour) => {
              const b = byLocalHour.get(hour);
              if (!b) return h('div.col.idle', {}, h('div.bar-area', {}, h('div.stack-bar', { style: 'height:1px' })), h('span.lbl', {}, label(hour)));
              const late = Math.max(0, b.answered - b.answeredWithinServiceLevel);
              return h(
                'div.col',
                { title: t('stats.hourTitle', { hour: label(hour), answered: b.answered, abandoned: b.abandoned, sl: pct(b.serviceLevel) }) },
                h(
                  'div.bar-area',
                  {},
                  h(
                    'div.stack-bar',
                    { style: `height:${height(b.answered + b.abandoned)}` },
                    h('span.own', { style: `flex:${b.answeredWithinServiceLevel}` }),
                    h('span.delegate', { style: `flex:${late}` }),
                    h('span.pool', { style: `flex:${b.abandoned}` }),
                  ),
                ),
                h('span.lbl', {}, label(hour)),
              );
            }),
          ),
        )
      : h('div.empty', {}, t('stats.noCalls')),
  );
}
