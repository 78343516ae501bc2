import type { Config } from '../config/config.js';
import type { PresenceBoard } from '../presence/presence-board.js';
import type { Logger } from '../shared/logger.js';
import type { Store } from '../store/index.js';
import type { Advisor } from '../domain/model.js';
import type { ScreenPop, Wallboard } from '../desktop/contract.js';
import type { CallbackService } from '../callbacks/callback-service.js';

/** What the REST routes need; built once in the composition root. */
export interface ApiDeps {
  config: Config;
  store: Store;
  presence: PresenceBoard;
  logger: Logger;
  now: () => number;
  /** Called after an advisor is created or changed: presence tracking, name prompts. */
  advisorSaved?: (advisor: Advisor) => void;
  /** The agent's open screen pops (after a reload or reconnect). */
  pops: { current(advisorId: number): Promise<ScreenPop[]>; dismiss(advisorId: number, popId: string): Promise<void> };
  wallboard: () => Promise<Wallboard>;
  /** A token was revoked (logout): its open desktop sockets are closed. */
  sessionEnded: (tokenId: number) => void;
  /** The callback queue's service (the same one the engine announces changes through). */
  callbacks?: CallbackService;
}
