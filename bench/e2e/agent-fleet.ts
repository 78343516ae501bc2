// 2,000 agent desktops as Socket.IO clients: each signs in with its token, says it is
// ready, and acknowledges every screen pop the way the browser desktop does, noting
// when the pop arrived.
import { io, type Socket } from 'socket.io-client';
import type { FleetMember } from './e2e-db.js';
import { wallMs } from '../support/stats.js';

export interface ReceivedPop {
  advisorId: number;
  endpoint: string;
  phase: string;
  callerNumber: string;
  callId: string;
  at: number;
}

export interface AgentFleet {
  sockets: number;
  /** Sockets that dropped and came back during the run. */
  reconnects(): number;
  close(): void;
}

interface PopPayload {
  popId: string;
  phase: string;
  callerNumber: string;
  callId: string;
}

export async function connectFleet(url: string, fleet: readonly FleetMember[], onPop: (pop: ReceivedPop) => void, batch = 50): Promise<AgentFleet> {
  const sockets: Socket[] = [];
  let reconnects = 0;
  const connectOne = (member: FleetMember) =>
    new Promise<void>((resolve, reject) => {
      // A busy machine may time a handshake out: the client retries; only a refusal is fatal.
      const socket = io(url, { auth: { token: member.token }, transports: ['websocket'], reconnectionDelay: 500, timeout: 60_000 });
      sockets.push(socket);
      const timer = setTimeout(() => reject(new Error(`agent ${member.advisorId} could not connect within 120 s`)), 120_000);
      socket.on('connect_error', (err) => {
        if (socket.active) return;
        clearTimeout(timer);
        reject(new Error(`agent ${member.advisorId} was refused: ${err.message}`));
      });
      socket.on('screen-pop', (pop: PopPayload, ack?: (receipt: { popId: string }) => void) => {
        onPop({ advisorId: member.advisorId, endpoint: member.endpoint, phase: pop.phase, callerNumber: pop.callerNumber, callId: pop.callId, at: wallMs() });
        ack?.({ popId: pop.popId });
      });
      socket.on('screen-pop:update', (pop: PopPayload, ack?: (receipt: { popId: string }) => void) => ack?.({ popId: pop.popId }));
      socket.io.on('reconnect', () => {
        reconnects += 1;
        socket.emit('agent:state', { state: 'ready' });
      });
      socket.once('connect', () => {
        socket.emit('agent:state', { state: 'ready' }, (result: { ok: boolean; error?: { message: string } }) => {
          clearTimeout(timer);
          if (result?.ok) resolve();
          else reject(new Error(`agent ${member.advisorId} could not get ready: ${result?.error?.message ?? 'no answer'}`));
        });
      });
    });
  try {
    for (let i = 0; i < fleet.length; i += batch) await Promise.all(fleet.slice(i, i + batch).map(connectOne));
  } catch (err) {
    for (const s of sockets) s.close();
    throw err;
  }
  return {
    sockets: sockets.length,
    reconnects: () => reconnects,
    close: () => {
      for (const s of sockets) s.close();
    },
  };
}
