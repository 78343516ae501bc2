// Every advisor in memory, by id and by endpoint, so the ringing path never waits on the
// database for the pool and device states find their advisor at once. Reloaded at start,
// on a timer and whenever the API changes an advisor (`reload()`).
import type { Advisor } from '../domain/model.js';
import type { Logger } from '../shared/logger.js';
import { deviceForEndpoint } from '../pbx/device-state/phone-state.js';

/** What the directory needs from the store (AdvisorStore satisfies it). */
export interface AdvisorSource {
  list(): Promise<Advisor[]>;
}

export class AdvisorDirectory {
  private byId = new Map<number, Advisor>();
  private byDeviceName = new Map<string, Advisor>();
  private listeners = new Set<(advisors: readonly Advisor[]) => void>();
  private timer: NodeJS.Timeout | null = null;
  private reloads = 0;

  constructor(
    private readonly source: AdvisorSource,
    private readonly log: Logger,
  ) {}

  /** Loads now, then every `refreshMs` (0: never by itself). */
  async start(refreshMs: number): Promise<void> {
    await this.reload();
    if (refreshMs > 0) {
      this.timer = setInterval(() => {
        this.reload().catch((err: unknown) => this.log.warn({ err }, 'advisor directory refresh failed; keeping the last list'));
      }, refreshMs);
      this.timer.unref();
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  async reload(): Promise<void> {
    const advisors = await this.source.list();
    this.byId = new Map(advisors.map((a) => [a.id, a]));
    this.byDeviceName = new Map();
    for (const advisor of advisors) {
      const device = deviceForEndpoint(advisor.endpoint);
      if (device !== null) this.byDeviceName.set(device, advisor);
    }
    this.reloads += 1;
    for (const listener of this.listeners) listener(advisors);
  }

  /** Called with the full list after every reload. */
  onReload(listener: (advisors: readonly Advisor[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Moves on every reload: figures derived from the list are stale once it has. */
  get version(): number {
    return this.reloads;
  }

  get(id: number): Advisor | undefined {
    return this.byId.get(id);
  }

  /** The advisor whose phone Asterisk reports under this device name (`PJSIP/1001`, `Local/1001@agents`). */
  byDevice(device: string): Advisor | undefined {
    return this.byDeviceName.get(device);
  }

  all(): Advisor[] {
    return [...this.byId.values()];
  }
}
