// "At most one per interval, latest wins": the wallboard can change many times a second
// during a burst of calls, supervisors need only the newest picture, once a second.

export interface LatestWinsThrottle<T> {
  /** Offer a new value: sent now if the interval has passed, otherwise when it has (if still the latest). */
  push(value: T): void;
  /** Ask for a fresh value from `produce` under the same pacing (used with a provider). */
  invalidate(): void;
  stop(): void;
}

export interface ThrottleOptions<T> {
  intervalMs: number;
  send: (value: T) => void;
  /** Produces the value when the throttle fires after `invalidate()`. */
  produce?: () => Promise<T> | T;
  onError?: (err: unknown) => void;
  now?: () => number;
}

export function latestWinsThrottle<T>(options: ThrottleOptions<T>): LatestWinsThrottle<T> {
  const now = options.now ?? Date.now;
  let lastSentAt = Number.NEGATIVE_INFINITY;
  let pending: { value: T } | { produce: true } | null = null;
  let timer: NodeJS.Timeout | null = null;
  let producing = false;
  let stopped = false;

  async function fire(): Promise<void> {
    timer = null;
    const job = pending;
    if (!job || stopped) return;
    pending = null;
    lastSentAt = now();
    if ('value' in job) {
      options.send(job.value);
      return;
    }
    if (!options.produce) return;
    producing = true;
    try {
      const value = await options.produce();
      if (!stopped) options.send(value);
    } catch (err) {
      options.onError?.(err);
    } finally {
      producing = false;
      if (pending) schedule();
    }
  }

  function schedule(): void {
    if (timer || producing || stopped) return;
    const wait = Math.max(0, lastSentAt + options.intervalMs - now());
    if (wait === 0) {
      void fire();
      return;
    }
    timer = setTimeout(() => void fire(), wait);
    timer.unref?.();
  }

  return {
    push(value) {
      pending = { value };
      schedule();
    },
    invalidate() {
      if (!options.produce) return;
      pending = { produce: true };
      schedule();
    },
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = null;
      pending = null;
    },
  };
}
