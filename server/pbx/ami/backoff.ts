/** Reconnect pacing shared by the AMI and ARI clients. They retry forever: there is no attempt limit. */
export interface BackoffOptions {
  /** First delay after a failure, in ms (default 500). */
  initialDelayMs?: number;
  /** Ceiling of the delay, in ms (default 4 000: a returning Asterisk is noticed within about 4 s, however long it was gone). */
  maxDelayMs?: number;
  /** Growth per failed attempt (default 2). */
  factor?: number;
}

/**
 * Delay before reconnect attempt `attempt` (0 = first retry): exponential, capped, with
 * "equal jitter" (half fixed, half random) so that many CTI servers losing the same PBX do
 * not come back in lockstep, while the delay never collapses to zero.
 */
export function backoffDelay(attempt: number, options: BackoffOptions = {}, random: () => number = Math.random): number {
  const initial = options.initialDelayMs ?? 500;
  const max = options.maxDelayMs ?? 4_000;
  const factor = options.factor ?? 2;
  const ceiling = Math.min(max, initial * factor ** Math.max(0, Math.min(attempt, 60)));
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}
