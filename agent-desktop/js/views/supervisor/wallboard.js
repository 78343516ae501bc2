// The live wallboard: today's headline, advisors by state, waiting calls, callbacks by age.
import { h, replace } from '../../dom.js';
import { t, tv } from '../../i18n.js';
import { get } from '../../api.js';
import { clock, count, pct, ratio, relative, secondsSince, duration } from '../../format.js';
import { listen, onConnect } from '../../socket.js';
import { advisorAltName, advisorName, callbackReasonChip, callbackStateChip, errorBox, laneOf, levelChip, loading, routeReasonChip } from '../common.js';

const LANES = ['ready', 'ringing', 'oncall', 'wrapup', 'notready', 'absent'];
const OPEN_CALLBACKS = new Set(['pending', 'reserved', 'dialing']);
let latest = null;

export function mountWallboard(page) {
  let error = null;

  async function load() {
    try {
      latest = await get('/api/wallboard');
      error = null;
    } catch (err) {
      error = err;
    }
    render();
  }

  function render() {
    if (!latest) return replace(page, error ? errorBox(error, load) : loading());
    replace(page, wallboardView(latest));
  }

  const offs = [
    listen('wallboard', (w) => {
      latest = w;
      render();
    }),
    // Between two wallboards, move the advisor at once so ringing -> on call shows live.
    listen('agent:state', (s) => {
      const adv = latest?.advisors?.find((a) => a.advisorId === s.advisorId);
      if (!adv) return;
      const changed = adv.state !== s.state || adv.phone !== s.phone;
      const since = s.since ?? (changed ? new Date().toISOString() : adv.since);
      Object.assign(adv, { state: s.state, phone: s.phone, reason: s.reason ?? null, since });
      if (s.markedAbsent !== undefined) adv.markedAbsent = s.markedAbsent;
      render();
    }),
    onConnect(() => void load()),
  ];
  render();
  return { destroy: () => offs.forEach((off) => off()) };
}

function kpis(w) {
  const today = w.today ?? {};
  const aff = today.affinity ?? { own: 0, delegate: 0, pool: 0, rate: 0 };
  const total = (aff.own ?? 0) + (aff.delegate ?? 0) + (aff.pool ?? 0);
  const part = (n) => `${total ? (100 * n) / total : 0}%`;
  // With nothing offered yet a share is "no data", not a red 0 %.
  const offered = typeof today.offered === 'number' && today.offered > 0;
  const sl = offered ? ratio(today.serviceLevel) : null;
  const ab = offered ? ratio(today.abandonment) : null;
  const waiting = w.waiting ?? [];
  const longest = waiting.reduce((m, c) => Math.max(m, secondsSince(c.waitingSince)), 0);
  const open = (w.callbacks ?? []).filter((c) => OPEN_CALLBACKS.has(c.state));
  const oldest = open.map((c) => c.dueAt).sort()[0];
  return h(
    'div.kpis',
    {},
    h(
      'div.panel.kpi',
      {},
      h('div.k', {}, t('wb.affinity')),
      h('div.v', { class: !total ? '' : aff.rate >= 0.8 ? 'good' : aff.rate >= 0.6 ? 'warn' : 'bad' }, total ? pct(aff.rate) : t('common.none')),
      h('div.split-bar', {}, h('span.own', { style: `width:${part(aff.own)}` }), h('span.delegate', { style: `width:${part(aff.delegate)}` }), h('span.pool', { style: `width:${part(aff.pool)}` })),
      h(
        'div.legend',
        {},
        h('span', {}, h('i.own'), t('wb.own'), ' ', h('b', {}, count(aff.own))),
        h('span', {}, h('i.delegate'), t('wb.delegate'), ' ', h('b', {}, count(aff.delegate))),
        h('span', {}, h('i.pool'), t('wb.pool'), ' ', h('b', {}, count(aff.pool))),
      ),
    ),
    h('div.panel.kpi', {}, h('div.k', {}, t('wb.serviceLevel')), h('div.v', { class: sl === null ? '' : sl >= 0.8 ? 'good' : sl >= 0.6 ? 'warn' : 'bad' }, pct(sl)), h('div.sub', {}, t('wb.offered', { answered: count(today.answered), offered: count(today.offered) }))),
    h('div.panel.kpi', {}, h('div.k', {}, t('wb.abandonment')), h('div.v', { class: ab === null ? '' : ab <= 0.05 ? 'good' : ab <= 0.1 ? 'warn' : 'bad' }, pct(ab)), h('div.sub', {}, t('wb.abandonedN', { n: count(today.abandoned) }))),
    h(
      'div.panel.kpi',
      {},
      h('div.k', {}, t('wb.waiting')),
      h('div.v', { class: waiting.length ? 'warn' : '' }, String(waiting.length)),
      h('div.sub', {}, waiting.length ? t('wb.longest', { time: duration(longest) }) : t('wb.noneWaiting')),
    ),
    h(
      'div.panel.kpi',
      {},
      h('div.k', {}, t('wb.callbacksOpen')),
      h('div.v', {}, String(open.length)),
      h('div.sub', {}, oldest ? t('wb.oldest', { when: relative(oldest) }) : t('common.none')),
    ),
  );
}

function lanes(w) {
  const byLane = Object.fromEntries(LANES.map((l) => [l, []]));
  for (const a of w.advisors ?? []) byLane[laneOf(a)].push(a);
  return h(
    'div.board',
    {},
    LANES.map((lane) =>
      h(
        'section.lane',
        { class: lane },
        h('div.lane-head', {}, t(`lane.${lane}`), h('span.n', {}, String(byLane[lane].length))),
        byLane[lane].length
          ? h(
              'ul',
              {},
              byLane[lane]
                .sort((a, b) => String(a.since ?? '').localeCompare(String(b.since ?? '')))
                .map((a) =>
                  h(
                    'li',
                    { title: advisorAltName(a) },
                    h('span.nm', {}, advisorName(a), h('small', {}, lane === 'notready' && a.reason ? t(`nrReason.${a.reason}`) : tv('tier', a.tier))),
                    a.since && lane !== 'absent' ? h('span.t', { dataset: { since: a.since } }, duration(secondsSince(a.since))) : null,
                  ),
                ),
            )
          : h('div.none', {}, t('lane.none')),
      ),
    ),
  );
}

function waitingTable(w) {
  const advisors = new Map((w.advisors ?? []).map((a) => [a.advisorId, a]));
  const waiting = [...(w.waiting ?? [])].sort((a, b) => String(a.waitingSince).localeCompare(String(b.waitingSince)));
  return h(
    'section.panel',
    {},
    h('div.panel-head', {}, h('h3', {}, t('wb.waitingCalls')), h('span.count', {}, String(waiting.length))),
    waiting.length
      ? h(
          'table.table',
          {},
          h('thead', {}, h('tr', {}, h('th', {}, t('wb.caller')), h('th', {}, t('wb.reason')), h('th', {}, t('wb.target')), h('th.num', {}, t('wb.wait')))),
          h(
            'tbody',
            {},
            waiting.map((c) =>
              h(
                'tr',
                {},
                h('td', {}, c.memberName ? [h('strong', {}, c.memberName), ' ', c.memberLevel ? levelChip(c.memberLevel) : null] : null, h('div.mono.small.muted', {}, c.callerNumber)),
                h('td', {}, routeReasonChip(c.reason)),
                h('td', {}, c.targetAdvisorId ? advisorName(advisors.get(c.targetAdvisorId)) : h('span.muted', {}, t('wb.anyone'))),
                h('td.num', {}, h('strong', { dataset: { since: c.waitingSince } }, duration(secondsSince(c.waitingSince)))),
              ),
            ),
          ),
        )
      : h('div.empty', {}, t('wb.noWaiting')),
  );
}

function callbackAges(w) {
  const open = (w.callbacks ?? []).filter((c) => OPEN_CALLBACKS.has(c.state));
  const buckets = [0, 0, 0, 0];
  let notDue = 0;
  for (const c of open) {
    const overdueMin = -((new Date(c.dueAt).getTime() - Date.now()) / 60000);
    if (overdueMin < 0) notDue++;
    else buckets[overdueMin < 15 ? 0 : overdueMin < 60 ? 1 : overdueMin < 240 ? 2 : 3]++;
  }
  const byState = {};
  for (const c of open) byState[c.state] = (byState[c.state] ?? 0) + 1;
  return h(
    'section.panel',
    {},
    h('div.panel-head', {}, h('h3', {}, t('wb.callbacks')), h('span.count', {}, String(open.length))),
    h(
      'div.panel-body',
      {},
      h(
        'div.ages',
        {},
        buckets.map((n, i) => h('div.age', { class: i >= 2 && n > 0 ? 'hot' : '' }, h('div.v', {}, String(n)), h('div.k', {}, t(`wb.age.${i}`)))),
      ),
      h(
        'div.row.wrap',
        {},
        Object.entries(byState).map(([state, n]) => h('span.row', { style: 'gap:4px' }, callbackStateChip(state), h('b', {}, String(n)))),
        h('span.muted.small', {}, t('wb.notDue'), ': ', String(notDue)),
      ),
      oldestCallbacks(open, w),
    ),
  );
}

function oldestCallbacks(open, w) {
  if (!open.length) return null;
  const advisors = new Map((w.advisors ?? []).map((a) => [a.advisorId, a]));
  const oldest = [...open].sort((a, b) => String(a.dueAt).localeCompare(String(b.dueAt))).slice(0, 5);
  return h(
    'div.cb-mini',
    {},
    h(
      'table.table',
      {},
      h(
        'tbody',
        {},
        oldest.map((c) =>
          h(
            'tr',
            {},
            h('td', {}, h('strong', {}, c.memberName ?? c.number)),
            h('td', {}, callbackReasonChip(c.reason)),
            h('td.small', {}, c.preferredAdvisorId ? advisorName(advisors.get(c.preferredAdvisorId)) : t('common.none')),
            h('td.num.small', {}, h('span', { class: new Date(c.dueAt).getTime() < Date.now() ? 'overdue' : '', dataset: { relative: c.dueAt } }, relative(c.dueAt))),
          ),
        ),
      ),
    ),
  );
}

function wallboardView(w) {
  return h(
    'div',
    {},
    kpis(w),
    lanes(w),
    h('div.two-col', {}, waitingTable(w), callbackAges(w)),
    h('div.muted.small', { style: 'margin-top:10px;text-align:right' }, t('wb.updated', { time: clock(w.at) })),
  );
}
