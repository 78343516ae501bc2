// Bulk allocation (分配) of unowned members and recall (回收) of dormant, lost or orphaned
// ones. Preview asks the server for a plan and changes nothing; Apply sends the plan's
// moves back, and the server re-checks each one: a member whose owner changed since the
// preview is skipped and listed, never overwritten. Every move lands in the ownership
// history with its handover note.
import { h, replace } from '../../dom.js';
import { t, tv } from '../../i18n.js';
import { post } from '../../api.js';
import { count } from '../../format.js';
import { toast } from '../../ui/toast.js';
import { advisorName, levelChip } from '../common.js';
import { advisorById } from './advisors-cache.js';

const LEVELS = ['vip', 'gold', 'regular'];
const RECALL_STAGES = ['dormant', 'lost'];
/** Rows drawn in the preview table; the rest are counted, and all of them are applied. */
const SHOWN_ROWS = 150;
const APPLY_BATCH = 100;

const KINDS = {
  allocation: {
    filters: () => new Set(LEVELS),
    previewBody: (picked) => ({ levels: [...picked] }),
    rows: (plan) =>
      (plan.assignments ?? []).map((a) => ({ ...a, fromAdvisorId: null, toAdvisorId: a.advisorId, label: t('mem.tierFit') })),
    applyBody: (plan, note) => ({
      moves: plan.assignments.map(({ memberId, advisorId }) => ({ memberId, advisorId })),
      ...(note ? { note } : {}),
    }),
    summary: (plan) => t('mem.summary.allocation', { n: count(plan.assignments.length), considered: count(plan.considered), total: count(plan.unownedTotal) }),
  },
  recall: {
    filters: () => new Set(RECALL_STAGES),
    previewBody: (picked) => ({ stages: [...picked] }),
    rows: (plan) => (plan.moves ?? []).map((m) => ({ ...m, label: t(`mem.cause.${m.cause}`), note: m.handoverNote })),
    // The supervisor's note goes first; the server's generated summary of the member follows.
    applyBody: (plan, note) => ({
      moves: plan.moves.map(({ memberId, fromAdvisorId, toAdvisorId, cause, handoverNote }) => ({
        memberId,
        fromAdvisorId,
        toAdvisorId,
        cause,
        handoverNote: note ? `${note}\n${handoverNote}` : handoverNote,
      })),
    }),
    summary: (plan) => t('mem.summary.recall', { n: count(plan.moves.length), considered: count(plan.considered) }),
  },
};

export function bulkMovesPanel(el, kind) {
  const spec = KINDS[kind];
  const picked = spec.filters();
  let plan = null;
  const out = h('div');
  const error = h('div.error-text');
  const previewBtn = h('button.btn', { type: 'button', onclick: preview }, t('mem.preview'));

  async function preview() {
    error.textContent = '';
    if (!picked.size) return void (error.textContent = t(kind === 'recall' ? 'mem.pickStage' : 'mem.pickLevel'));
    previewBtn.disabled = true;
    try {
      plan = await post(`/api/${kind}/preview`, spec.previewBody(picked));
      paint();
    } catch (err) {
      error.textContent = err.message;
    } finally {
      previewBtn.disabled = false;
    }
  }

  /** Sent in batches: a request body stays small whatever the size of the plan. */
  async function apply(button, note) {
    button.disabled = true;
    error.textContent = '';
    const { moves, ...rest } = spec.applyBody(plan, note);
    const total = { applied: 0, skipped: [] };
    try {
      for (let i = 0; i < moves.length; i += APPLY_BATCH) {
        button.textContent = t('mem.applying', { done: count(i), n: count(moves.length) });
        const res = await post(`/api/${kind}/apply`, { ...rest, moves: moves.slice(i, i + APPLY_BATCH) });
        total.applied += res.applied;
        total.skipped.push(...(res.skipped ?? []));
      }
      toast(t('mem.applied', { n: count(total.applied) }));
      plan = null;
      paintResult(total);
    } catch (err) {
      // What was applied stays applied (and in history); a new preview shows what is left.
      error.textContent = total.applied ? `${t('mem.appliedSkipped', { n: count(total.applied), skipped: count(total.skipped.length) })} · ${err.message}` : err.message;
      if (total.applied) {
        plan = null;
        paintResult(total);
      } else {
        button.disabled = false;
        button.textContent = t('mem.apply', { n: count(moves.length) });
      }
    }
  }

  function paintResult(res) {
    const skipped = res.skipped ?? [];
    replace(
      out,
      h(
        'div.result',
        { class: skipped.length ? 'warn' : 'ok' },
        h('strong', {}, t('mem.appliedSkipped', { n: count(res.applied), skipped: count(skipped.length) })),
        skipped.length
          ? h('ul.small', {}, skipped.slice(0, 20).map((s) => h('li', {}, `#${s.memberId} · ${s.why}`)))
          : h('div.small.muted', {}, t('mem.historyKept')),
      ),
    );
  }

  function row(m) {
    return h(
      'tr',
      { dataset: { memberId: String(m.memberId) } },
      h('td', {}, h('strong', {}, m.memberName ?? `#${m.memberId}`), ' ', m.level ? levelChip(m.level) : null, h('div.mono.small.muted', {}, m.memberNo ?? '')),
      h('td', {}, m.fromAdvisorId ? advisorName(advisorById(m.fromAdvisorId)) : h('span.muted', {}, t('mem.unowned'))),
      h('td', {}, h('strong', {}, advisorName(advisorById(m.toAdvisorId)))),
      h('td.small', { title: m.note ?? m.explanation ?? '' }, h('span.chip', { class: kind === 'recall' ? 'ringing' : 'ready' }, m.label)),
    );
  }

  function loadsTable(loads) {
    if (!loads?.length) return null;
    return h(
      'div.loads',
      {},
      h('div.section-title', {}, t('mem.loads')),
      h(
        'div.load-list',
        {},
        loads.map((l) => {
          const delta = l.after - l.before;
          return h(
            'div.load',
            {},
            h('span.nm', {}, advisorName(advisorById(l.advisorId))),
            h('span.bar', {}, h('i', { style: `width:${Math.min(100, (100 * l.after) / (l.capacity || 1))}%` })),
            h('span.n.mono', {}, `${count(l.after)}/${count(l.capacity)}`, h('b', { class: delta >= 0 ? 'up' : 'down' }, ` ${delta >= 0 ? '+' : ''}${delta}`)),
          );
        }),
      ),
    );
  }

  function paint() {
    const rows = spec.rows(plan);
    const unplaced = plan.unplaced ?? [];
    if (!rows.length) {
      return replace(out, h('div.empty', {}, t('mem.nothing'), unplaced.length ? h('div.small', {}, t('mem.unplaced', { n: count(unplaced.length) })) : null));
    }
    const note = h('input.input', { placeholder: t('mem.notePlaceholder') });
    const applyBtn = h('button.btn.primary', { type: 'button', onclick: () => apply(applyBtn, note.value.trim()) }, t('mem.apply', { n: count(rows.length) }));
    replace(
      out,
      h('div.plan-summary', {}, h('strong', {}, spec.summary(plan)), unplaced.length ? h('span.muted', {}, ' · ', t('mem.unplaced', { n: count(unplaced.length) })) : null),
      h(
        'div.table-wrap.plan',
        {},
        h(
          'table.table',
          {},
          h('thead', {}, h('tr', {}, h('th', {}, t('mem.member')), h('th', {}, t('mem.from')), h('th', {}, t('mem.toAdv')), h('th', {}, t('mem.why')))),
          h('tbody', {}, rows.slice(0, SHOWN_ROWS).map(row)),
        ),
        rows.length > SHOWN_ROWS ? h('div.small.muted.more', {}, t('mem.more', { n: count(rows.length - SHOWN_ROWS) })) : null,
      ),
      loadsTable(plan.loads),
      h('label.field', { style: 'margin-top:10px' }, h('span', {}, t(kind === 'recall' ? 'mem.recallNote' : 'mem.allocationNote')), note),
      h('div.row', { style: 'margin-top:10px' }, h('span.small.muted', {}, t('mem.recheck')), h('div.grow'), applyBtn),
    );
  }

  const options = kind === 'recall' ? RECALL_STAGES.map((s) => [s, tv('stage', s)]) : LEVELS.map((l) => [l, tv('level', l)]);
  replace(
    el,
    h('div.panel-head', {}, h('h3', {}, t(kind === 'recall' ? 'mem.recall' : 'mem.allocation'))),
    h(
      'div.panel-body',
      {},
      h('div.muted', {}, t(kind === 'recall' ? 'mem.recallHint' : 'mem.allocationHint')),
      h(
        'div.row.wrap',
        { style: 'margin-top:12px' },
        h('span.small', {}, t(kind === 'recall' ? 'mem.stages' : 'mem.levels'), ':'),
        options.map(([value, label]) =>
          h(
            'label.row',
            { style: 'gap:4px' },
            h('input', { type: 'checkbox', checked: true, value, onchange: (e) => (e.target.checked ? picked.add(value) : picked.delete(value)) }),
            label,
          ),
        ),
        h('div.grow'),
        previewBtn,
      ),
      error,
      out,
    ),
  );
}
