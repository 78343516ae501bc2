// Boot and routing: login, then the agent desktop or the supervisor console by role.
import { h, replace } from './dom.js';
import { onLangChange, t, tv } from './i18n.js';
import { langSwitch } from './ui/lang-switch.js';
import { session, signOut, onSignOut, isSupervisor } from './session.js';
import { post } from './api.js';
import { connectSocket, disconnectSocket, onSocketStatus, socketStatus } from './socket.js';
import { duration, initials, relative, secondsSince } from './format.js';
import { mountLogin } from './views/login.js';
import { mountAgentDesktop } from './views/agent/desktop.js';
import { mountWallboard } from './views/supervisor/wallboard.js';
import { mountCallbackQueue } from './views/supervisor/callback-queue.js';
import { mountAdvisors } from './views/supervisor/advisors.js';
import { mountMembers } from './views/supervisor/members.js';
import { mountCalls } from './views/supervisor/calls.js';
import { mountStats } from './views/supervisor/stats.js';

const VIEWS = {
  desktop: { label: 'nav.desktop', mount: mountAgentDesktop, who: (u) => u.advisorId !== null && u.advisorId !== undefined },
  wallboard: { label: 'nav.wallboard', mount: mountWallboard, who: isSupervisor },
  callbacks: { label: 'nav.callbacks', mount: mountCallbackQueue, who: isSupervisor },
  advisors: { label: 'nav.advisors', mount: mountAdvisors, who: isSupervisor },
  members: { label: 'nav.members', mount: mountMembers, who: isSupervisor },
  calls: { label: 'nav.calls', mount: mountCalls, who: isSupervisor },
  stats: { label: 'nav.stats', mount: mountStats, who: isSupervisor },
};

const root = document.getElementById('app');
let view = null;
let viewName = null;
let loginNotice = null;

function allowedViews(user) {
  return Object.keys(VIEWS).filter((name) => VIEWS[name].who(user));
}

function route() {
  const s = session();
  view?.destroy?.();
  view = null;
  if (!s) {
    disconnectSocket();
    viewName = 'login';
    view = mountLogin(root, { notice: loginNotice, onSignedIn: () => ((loginNotice = null), start()) });
    return;
  }
  const allowed = allowedViews(s.user);
  const wanted = location.hash.replace(/^#\/?/, '');
  viewName = allowed.includes(wanted) ? wanted : allowed[0];
  if (!viewName) {
    signOut('refused', t('login.noViews'));
    return;
  }
  if (location.hash !== `#/${viewName}`) history.replaceState(null, '', `#/${viewName}`);
  const page = h('main.page');
  replace(root, topbar(s.user, allowed), page);
  view = VIEWS[viewName].mount(page, { user: s.user });
}

function start() {
  const s = session();
  if (s) {
    const socket = connectSocket(s.token);
    // Supervisors receive every pop; acking keeps the server from waiting on them.
    if (s.user.advisorId === null || s.user.advisorId === undefined) {
      const ack = (pop, done) => typeof done === 'function' && done({ popId: pop?.popId });
      socket.on('screen-pop', ack);
      socket.on('screen-pop:update', ack);
    }
  }
  route();
}

function topbar(user, allowed) {
  const conn = h('div.conn', {}, h('span.dot'), h('span'));
  const paint = (st) => {
    conn.className = `conn ${st}`;
    conn.lastChild.textContent = t(`conn.${st}`);
  };
  paint(socketStatus());
  const off = onSocketStatus(paint);
  topbarCleanup?.();
  topbarCleanup = off;
  return h(
    'header.topbar',
    {},
    h('div.brand', {}, h('img', { src: '/img/icon.svg', alt: '' }), h('span', {}, t('app.name'))),
    allowed.length > 1
      ? h('nav.tabs', {}, allowed.map((name) => h('a', { href: `#/${name}`, class: name === viewName ? 'active' : '' }, t(VIEWS[name].label))))
      : null,
    h('div.spacer'),
    conn,
    langSwitch(),
    h(
      'div.who',
      {},
      h('span.avatar', {}, initials(user.username)),
      h('span', {}, user.username, h('span.role', {}, tv('role', user.role))),
    ),
    h('button.link-btn', { type: 'button', onclick: signOutEverywhere }, t('nav.signOut')),
  );
}
let topbarCleanup = null;

/** Revoke the token on the server when it offers logout, then forget it here either way. */
async function signOutEverywhere() {
  try {
    await post('/api/auth/logout');
  } catch {
    // Signing out locally must work even when the server is unreachable.
  }
  signOut('user');
}

// One ticker for every running clock on the page: states, waits, talk times, due dates.
setInterval(() => {
  const now = Date.now();
  for (const el of document.querySelectorAll('[data-since]')) {
    el.textContent = duration(secondsSince(el.dataset.since, now));
  }
  for (const el of document.querySelectorAll('[data-relative]')) {
    el.textContent = relative(el.dataset.relative, now);
  }
}, 1000);

window.addEventListener('hashchange', () => {
  if (session() && location.hash !== `#/${viewName}`) route();
});
onLangChange(() => route());
onSignOut((why, message) => {
  loginNotice = why === 'expired' ? t('login.expired') : why === 'refused' ? message : null;
  history.replaceState(null, '', '#/login');
  route();
});

start();
