// The one Socket.IO connection of this tab. Handlers are registered by the views; the
// connection state is shown in the top bar. A refused token signs the user out; a
// server that could not check the token, or that closed the socket, is retried.
import { io } from '/socket.io/socket.io.esm.min.js';
import { signOut } from './session.js';

const SESSION_ENDED = new Set(['missing_token', 'invalid_token']);
const ACCOUNT_REFUSED = 'no_advisor_profile';
const RETRY_MS = 3000;

let socket = null;
let status = 'connecting';
const statusListeners = new Set();
const connectListeners = new Set();

function setStatus(next) {
  status = next;
  for (const fn of statusListeners) fn(next);
}

export function connectSocket(token) {
  disconnectSocket();
  socket = io({ auth: { token }, transports: ['websocket', 'polling'] });
  setStatus('connecting');
  socket.on('connect', () => {
    setStatus('online');
    for (const fn of connectListeners) fn();
  });
  socket.on('disconnect', (reason) => {
    setStatus('offline');
    // The server closed this socket (its token expired, or it sent too much): the client
    // does not reconnect by itself. Trying again signs out if the session is over.
    if (reason === 'io server disconnect') setTimeout(() => socket?.connect(), RETRY_MS);
  });
  socket.on('connect_error', (err) => {
    setStatus('offline');
    if (SESSION_ENDED.has(err?.data?.code)) {
      signOut('expired');
      return;
    }
    if (err?.data?.code === ACCOUNT_REFUSED) {
      signOut('refused', err.message);
      return;
    }
    // A refusal by the server middleware is not retried by the client on its own.
    if (socket && !socket.active) setTimeout(() => socket?.connect(), RETRY_MS);
  });
  return socket;
}

export function disconnectSocket() {
  if (!socket) return;
  socket.removeAllListeners();
  socket.disconnect();
  socket = null;
}

export function currentSocket() {
  return socket;
}

/** Subscribe to a server event for as long as the returned function is not called. */
export function listen(event, handler) {
  if (!socket) return () => {};
  const s = socket;
  s.on(event, handler);
  return () => s.off(event, handler);
}

/** Runs on every (re)connect, so views can re-read what they may have missed. */
export function onConnect(fn) {
  connectListeners.add(fn);
  if (status === 'online') fn();
  return () => connectListeners.delete(fn);
}

export function socketStatus() {
  return status;
}

export function onSocketStatus(fn) {
  statusListeners.add(fn);
  return () => statusListeners.delete(fn);
}

/** Emit with an ack and a timeout; resolves to the server's `{ ok, error? }`. */
export async function request(event, payload, timeoutMs = 5000) {
  if (!socket?.connected) return { ok: false, error: { code: 'offline', message: 'offline' } };
  try {
    return await socket.timeout(timeoutMs).emitWithAck(event, payload);
  } catch {
    return { ok: false, error: { code: 'timeout', message: 'timeout' } };
  }
}
