// Desktop sockets drive the desktop half of presence; presence changes go back to
// the desktops (the agent's own room and the supervisors). With several servers the one
// where a change happened pushes it; the others apply it without pushing it again.
import type { DesktopGateway } from '../desktop/index.js';
import type { PresenceBoard } from '../presence/presence-board.js';
import type { Logger } from '../shared/logger.js';
import { ValidationError } from '../shared/errors.js';
import { InvalidStateRequestError } from '../presence/presence-board.js';

export function wirePresenceToDesktop(
  presence: PresenceBoard,
  gateway: DesktopGateway,
  logger: Logger,
  fromOtherServer: () => boolean = () => false,
): void {
  gateway.on('agent-connected', (advisorId) => {
    presence.track(advisorId);
    presence.desktopConnected(advisorId);
  });
  gateway.on('agent-disconnected', (advisorId) => {
    if (presence.get(advisorId)) presence.desktopDisconnected(advisorId);
  });
  gateway.on('agent-state-requested', (advisorId, state, reason) => {
    try {
      presence.requestState(advisorId, state, reason ?? undefined);
    } catch (err) {
      if (err instanceof InvalidStateRequestError) throw new ValidationError(err.message);
      throw err;
    }
  });
  presence.on('change', ({ current, cause }) => {
    logger.debug({ advisorId: current.advisorId, desktop: current.desktop, phone: current.phone, cause }, 'presence changed');
    if (fromOtherServer()) return;
    gateway.pushAgentState(current.advisorId, {
      state: current.desktop,
      reason: current.notReadyReason,
      phone: current.phone,
      markedAbsent: current.markedAbsent,
    });
  });
}
