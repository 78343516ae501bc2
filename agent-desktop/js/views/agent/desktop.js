// The agent desktop: state bar, the live screen pop, my callbacks.
import { h, replace, svgIcon, ICONS } from '../../dom.js';
import { t } from '../../i18n.js';
import { get, listOf } from '../../api.js';
import { currentSocket, listen, onConnect } from '../../socket.js';
import { toast } from '../../ui/toast.js';
import { applyPop, bringToFront, draftFor, visiblePops } from './pop-store.js';
import { closePop } from './disposition.js';
import { popCard } from './pop-card.js';
import { stateBar } from './state-bar.js';
import { createMyCallbacks } from './my-callbacks.js';

// Kept across re-mounts (language switch) so nothing on screen is lost.
const view = { agentState: null, offer: null };

export function mountAgentDesktop(page, { user }) {
  const me = user.advisorId;
  const callbacks = createMyCallbacks(me);
  const top = h('div');
  const popArea = h('div.stack');
  replace(page, h('div.agent-grid', {}, h('div', {}, top, popArea), h('aside', {}, callbacks.el)));

  function render() {
    replace(top, stateBar(view.agentState), view.offer ? offerBanner(view.offer) : null);
    const shown = visiblePops();
    const [first, ...rest] = shown;
    replace(
      popArea,
      first ? popCard(first, { myAdvisorId: me, onChange: render }) : idleCard(),
      rest.length ? h('div.panel', {}, h('div.panel-head', {}, h('h3', {}, t('pop.others'))), h('div.panel-body.others', {}, rest.map((p) => h('button.chip', { type: 'button', style: 'cursor:pointer', onclick: () => (bringToFront(p.popId), render()) }, t(`phase.${p.phase}`), ' · ', p.member?.name ?? p.callerNumber)))) : null,
    );
  }

  function onPop(pop, ack) {
    if (applyPop(pop)) {
      if (pop.phase === 'ringing' && view.offer) view.offer = null;
      // The outcome was saved during the call: the pop has nothing left to ask.
      if (pop.phase === 'ended' && draftFor(pop.popId).saved) void closePop(pop);
      render();
    }
    if (typeof ack === 'function') ack({ popId: pop.popId });
  }

  async function loadCurrentPops() {
    try {
      const pops = listOf(await get('/api/pops/current'), 'pops');
      let changed = false;
      for (const pop of pops) {
        changed = applyPop(pop) || changed;
        if (!pop.ackedAt) currentSocket()?.emit('screen-pop:ack', { popId: pop.popId });
      }
      if (changed) render();
    } catch (err) {
      toast(err.message, 'error');
    }
  }

  const offs = [
    listen('screen-pop', onPop),
    listen('screen-pop:update', onPop),
    listen('agent:state', (s) => {
      if (s.advisorId !== me) return;
      const prev = view.agentState;
      const same = prev && prev.state === s.state && prev.reason === s.reason;
      // Time in state counts from the server's `since`, else from when this desktop saw the change.
      view.agentState = { ...s, since: s.since ?? (same ? prev.since : new Date().toISOString()) };
      render();
    }),
    listen('callback:offer', (offer) => {
      view.offer = offer;
      render();
      setTimeout(() => {
        if (view.offer !== offer) return;
        view.offer = null;
        render();
      }, 30_000);
    }),
    listen('callbacks:changed', () => callbacks.refresh()),
    onConnect(() => {
      void loadCurrentPops();
      void callbacks.refresh();
    }),
  ];

  render();
  return {
    destroy() {
      for (const off of offs) off();
    },
  };
}

function idleCard() {
  return h(
    'div.panel.idle-card',
    {},
    h('div.ring', {}, svgIcon(ICONS.phone, 24)),
    h('h3', {}, t('pop.idle.title')),
    h('div', {}, t('pop.idle.body')),
  );
}

function offerBanner(offer) {
  return h('div.offer', {}, '↻ ', t('offer.text', { name: offer.memberName ?? offer.number, number: offer.number }));
}
