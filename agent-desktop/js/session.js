// The signed-in user lives in sessionStorage: closing the tab signs out, a reload does not.
const KEY = 'cti.session';
const listeners = new Set();

export function session() {
  try {
    const raw = sessionStorage.getItem(KEY);
    const value = raw ? JSON.parse(raw) : null;
    return value && typeof value.token === 'string' && value.user ? value : null;
  } catch {
    return null;
  }
}

export function saveSession(token, user) {
  sessionStorage.setItem(KEY, JSON.stringify({ token, user }));
}

/**
 * `why` is 'expired' when the server refused the token, 'refused' when it refused the
 * account (with the server's message), 'user' when they signed out.
 */
export function signOut(why, message) {
  const had = session() !== null;
  sessionStorage.removeItem(KEY);
  if (had) for (const fn of listeners) fn(why, message);
}

export function onSignOut(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

export function isSupervisor(user) {
  return user?.role === 'supervisor' || user?.role === 'admin';
}
