// The only place that reads the environment. Every setting is validated here and
// a bad value stops start-up with one line naming the variable.
import { readFileSync, existsSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { hostname } from 'node:os';
import { parseDuration } from './duration.js';
import { isValidTimeZone } from '../domain/local-time.js';

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`Invalid configuration: ${variable} ${message}`);
    this.name = 'ConfigError';
  }
}

export interface AsteriskNode {
  /** Position in the CTI_AMI_URL / CTI_ARI_URL lists, from 0. */
  index: number;
  ami: { host: string; port: number; username: string; secret: string; tls: boolean };
  ari: { baseUrl: string; username: string; password: string };
}

export interface QuietHours {
  /** Minutes after local midnight when calling must stop. */
  startMinute: number;
  /** Minutes after local midnight when calling may start again. */
  endMinute: number;
}

export interface Config {
  port: number;
  host: string;
  logLevel: string;
  dbUrl: string;
  redisUrl: string | null;
  /** Empty when no Asterisk is configured: demo mode with the in-process simulator. */
  asteriskNodes: AsteriskNode[];
  ariApp: string;
  demoMode: boolean;
  /** Demo mode only: simulated members call in every few seconds. */
  demoTraffic: boolean;
  tokenTtlMs: number;
  /** REST requests a minute per signed-in user, or per address without a valid token. */
  apiRequestsPerMinute: number;
  outbound: { dialTemplate: string; callerId: string; defaultCountry: string };
  /** The center's IANA zone: where "today" starts for statistics, and the zone of callers who are not members. */
  timeZone: string;
  promptMedia: string;
  /** Where rendered and recorded prompt audio lives on this server. */
  promptDir: string;
  routing: {
    ringTimeoutMs: number;
    ownerMaxWaitMs: number;
    defaultChoice: 'wait' | 'callback' | 'next';
    keyTimeoutMs: number;
    peakWaitThresholdMs: number;
    wrapUpMs: number;
    affinity: boolean;
  };
  callbacks: {
    abandonThresholdMs: number;
    ownerWindowMs: number;
    delegateWindowMs: number;
    leaseMs: number;
    maxAttempts: number;
    retryBackoffMs: number;
    quietHours: QuietHours;
    weeklyCap: number;
    minGapMs: number;
    dispatchIntervalMs: number;
  };
  allocation: { defaultCapacity: number; minCapacity: number; maxCapacity: number };
  sim: { amiPort: number; ariPort: number };
  /** Several CTI servers side by side (server/scale): identity, node leases, shared presence. */
  scale: {
    /** Unique per running server; names it in leases, presence and logs. */
    serverId: string;
    /** How long an Asterisk node's lease lasts unrenewed (renewed every third of it). */
    nodeLeaseMs: number;
    /** Node indexes this server takes at once; the others only after they stayed free a lease period. Empty: all. */
    preferredNodes: number[];
    /** How long a server that stopped heart-beating counts as alive (its agents' desktops then expire). */
    serverTtlMs: number;
    /** Period of the full presence snapshot read from Redis. */
    presenceResyncMs: number;
    /** Prefix of every Redis key and channel the servers share (one per deployment). */
    redisPrefix: string;
  };
}

type Env = Record<string, string | undefined>;

function readDotEnv(path: string): Env {
  if (!existsSync(path)) return {};
  return parseEnv(readFileSync(path, 'utf8'));
}

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^-?\d+$/.test(raw.trim())) throw new ConfigError(name, `must be a whole number, got "${raw}".`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}.`);
  return value;
}

function duration(env: Env, name: string, fallback: string): number {
  const raw = env[name] ?? fallback;
  const ms = parseDuration(raw);
  if (ms === null) throw new ConfigError(name, `must be a duration such as 30s, 5m or 2h, got "${raw}".`);
  return ms;
}

function oneOf<T extends string>(env: Env, name: string, values: readonly T[], fallback: T): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!(values as readonly string[]).includes(raw)) {
    throw new ConfigError(name, `must be one of ${values.join(', ')}, got "${raw}".`);
  }
  return raw as T;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'on', 'yes'].includes(raw.toLowerCase())) return true;
  if (['0', 'false', 'off', 'no'].includes(raw.toLowerCase())) return false;
  throw new ConfigError(name, `must be true or false, got "${raw}".`);
}

function list(env: Env, name: string): string[] {
  return (env[name] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function parseAmiUrl(name: string, raw: string): AsteriskNode['ami'] {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(name, `has an entry that is not a URL: expected ami://user:secret@host:5038.`);
  }
  if (url.protocol !== 'ami:' && url.protocol !== 'amis:') {
    throw new ConfigError(name, `entries must start with ami:// or amis://, got "${url.protocol}//".`);
  }
  if (!url.username || !url.password || !url.hostname) {
    throw new ConfigError(name, `entries need user, secret and host: ami://user:secret@host:5038.`);
  }
  return {
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port ? Number(url.port) : 5038,
    username: decodeURIComponent(url.username),
    secret: decodeURIComponent(url.password),
    tls: url.protocol === 'amis:',
  };
}

function parseAriUrl(name: string, raw: string): AsteriskNode['ari'] {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(name, `has an entry that is not a URL: expected http://user:secret@host:8088.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(name, `entries must start with http:// or https://.`);
  }
  if (!url.username || !url.password) {
    throw new ConfigError(name, `entries need user and password: http://user:secret@host:8088.`);
  }
  const username = decodeURIComponent(url.username);
  const password = decodeURIComponent(url.password);
  url.username = '';
  url.password = '';
  const baseUrl = url.toString().replace(/\/+$/, '').replace(/\/ari$/, '');
  return { baseUrl, username, password };
}

function parseQuietHours(env: Env): QuietHours {
  const name = 'CTI_QUIET_HOURS';
  const raw = env[name] ?? '21:00-09:00';
  const match = /^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$/.exec(raw.trim());
  const toMinute = (h?: string, m?: string) => Number(h) * 60 + Number(m);
  if (!match || Number(match[1]) > 23 || Number(match[3]) > 23 || Number(match[2]) > 59 || Number(match[4]) > 59) {
    throw new ConfigError(name, `must look like 21:00-09:00, got "${raw}".`);
  }
  return { startMinute: toMinute(match[1], match[2]), endMinute: toMinute(match[3], match[4]) };
}

/** Reads the environment (and `.env`, which the real environment overrides). */
export function loadConfig(processEnv: Env = process.env, dotEnvPath = '.env'): Config {
  const env: Env = { ...readDotEnv(dotEnvPath), ...processEnv };

  const amiUrls = list(env, 'CTI_AMI_URL');
  const ariUrls = list(env, 'CTI_ARI_URL');
  if (amiUrls.length !== ariUrls.length) {
    throw new ConfigError(
      'CTI_AMI_URL',
      `lists ${amiUrls.length} node(s) but CTI_ARI_URL lists ${ariUrls.length}: they are paired by position, set both.`,
    );
  }
  const asteriskNodes = amiUrls.map((ami, index) => ({
    index,
    ami: parseAmiUrl('CTI_AMI_URL', ami),
    ari: parseAriUrl('CTI_ARI_URL', ariUrls[index]!),
  }));

  const dbUrl = env.CTI_DB_URL ?? 'sqlite:./data/cti.sqlite';
  if (!/^(sqlite:|postgres(ql)?:\/\/)/.test(dbUrl)) {
    throw new ConfigError('CTI_DB_URL', `must start with sqlite: or postgres://, got "${dbUrl.split(':')[0]}:...".`);
  }
  const redisUrl = env.CTI_REDIS_URL || null;
  if (redisUrl && !/^rediss?:\/\//.test(redisUrl)) {
    throw new ConfigError('CTI_REDIS_URL', 'must start with redis:// or rediss://.');
  }
  const promptMedia = env.CTI_PROMPT_MEDIA ?? 'sound:cti';
  if (!/^(sound:|https?:\/\/)/.test(promptMedia)) {
    throw new ConfigError('CTI_PROMPT_MEDIA', 'must be sound:<dir> or an http(s):// base URL.');
  }
  const dialTemplate = env.CTI_OUTBOUND_DIAL ?? 'PJSIP/{number}@trunk';
  if (!dialTemplate.includes('{number}')) {
    throw new ConfigError('CTI_OUTBOUND_DIAL', 'must contain {number}, e.g. PJSIP/{number}@trunk.');
  }
  const defaultCountry = env.CTI_DEFAULT_COUNTRY ?? '86';
  if (!/^\d{1,3}$/.test(defaultCountry)) {
    throw new ConfigError('CTI_DEFAULT_COUNTRY', `must be a country calling code such as 86, got "${defaultCountry}".`);
  }
  const timeZone = env.CTI_TIME_ZONE ?? 'Asia/Shanghai';
  if (!isValidTimeZone(timeZone)) throw new ConfigError('CTI_TIME_ZONE', `must be an IANA time zone such as Asia/Shanghai, got "${timeZone}".`);
  const logLevel = oneOf(env, 'CTI_LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], 'info');
  const ariApp = env.CTI_ARI_APP ?? 'cti';
  if (!/^[A-Za-z0-9_-]+$/.test(ariApp)) throw new ConfigError('CTI_ARI_APP', 'may hold only letters, digits, - and _.');

  const minCapacity = int(env, 'CTI_ADVISOR_MIN_MEMBERS', 500, 1, 100_000);
  const maxCapacity = int(env, 'CTI_ADVISOR_MAX_MEMBERS', 800, minCapacity, 100_000);
  const defaultCapacity = int(env, 'CTI_ADVISOR_CAPACITY', 650, minCapacity, maxCapacity);

  return {
    port: int(env, 'CTI_PORT', 3000, 0, 65535),
    host: env.CTI_HOST ?? '0.0.0.0',
    logLevel,
    dbUrl,
    redisUrl,
    asteriskNodes,
    ariApp,
    demoMode: asteriskNodes.length === 0,
    demoTraffic: bool(env, 'CTI_DEMO_TRAFFIC', true),
    tokenTtlMs: duration(env, 'CTI_TOKEN_TTL', '12h'),
    apiRequestsPerMinute: int(env, 'CTI_API_RATE_LIMIT', 600, 60, 1_000_000),
    outbound: { dialTemplate, callerId: env.CTI_OUTBOUND_CALLERID ?? '', defaultCountry },
    timeZone,
    promptMedia,
    promptDir: env.CTI_PROMPT_DIR || 'ivr-prompts/audio',
    routing: {
      ringTimeoutMs: duration(env, 'CTI_RING_TIMEOUT', '20s'),
      ownerMaxWaitMs: duration(env, 'CTI_OWNER_MAX_WAIT', '3m'),
      defaultChoice: oneOf(env, 'CTI_DEFAULT_CHOICE', ['wait', 'callback', 'next'] as const, 'wait'),
      keyTimeoutMs: duration(env, 'CTI_KEY_TIMEOUT', '6s'),
      peakWaitThresholdMs: duration(env, 'CTI_PEAK_WAIT_THRESHOLD', '2m'),
      wrapUpMs: duration(env, 'CTI_WRAP_UP', '30s'),
      affinity: bool(env, 'CTI_AFFINITY', true),
    },
    callbacks: {
      abandonThresholdMs: duration(env, 'CTI_ABANDON_THRESHOLD', '20s'),
      ownerWindowMs: duration(env, 'CTI_CALLBACK_OWNER_WINDOW', '2h'),
      delegateWindowMs: duration(env, 'CTI_CALLBACK_DELEGATE_WINDOW', '1h'),
      leaseMs: duration(env, 'CTI_CALLBACK_LEASE', '2m'),
      maxAttempts: int(env, 'CTI_CALLBACK_MAX_ATTEMPTS', 3, 1, 20),
      retryBackoffMs: duration(env, 'CTI_CALLBACK_RETRY_BACKOFF', '15m'),
      quietHours: parseQuietHours(env),
      weeklyCap: int(env, 'CTI_WEEKLY_CONTACT_CAP', 3, 1, 100),
      minGapMs: duration(env, 'CTI_MIN_CONTACT_GAP', '24h'),
      dispatchIntervalMs: duration(env, 'CTI_DISPATCH_INTERVAL', '1s'),
    },
    allocation: { defaultCapacity, minCapacity, maxCapacity },
    sim: { amiPort: int(env, 'SIM_AMI_PORT', 5038, 0, 65535), ariPort: int(env, 'SIM_ARI_PORT', 8088, 0, 65535) },
    scale: parseScale(env, asteriskNodes.length),
  };
}

function parseScale(env: Env, nodeCount: number): Config['scale'] {
  const serverId = env.CTI_SERVER_ID || `${hostname()}-${process.pid}`;
  if (!/^[A-Za-z0-9_.:-]{1,100}$/.test(serverId)) {
    throw new ConfigError('CTI_SERVER_ID', 'may hold only letters, digits, ., :, - and _ (at most 100).');
  }
  const nodeLeaseMs = duration(env, 'CTI_NODE_LEASE', '6s');
  if (nodeLeaseMs < 1000) throw new ConfigError('CTI_NODE_LEASE', 'must be at least 1s.');
  const serverTtlMs = duration(env, 'CTI_SERVER_TTL', '10s');
  if (serverTtlMs < 1000) throw new ConfigError('CTI_SERVER_TTL', 'must be at least 1s.');
  const presenceResyncMs = duration(env, 'CTI_PRESENCE_RESYNC', '30s');
  if (presenceResyncMs < 1000) throw new ConfigError('CTI_PRESENCE_RESYNC', 'must be at least 1s.');
  const preferredNodes = list(env, 'CTI_PREFERRED_NODES').map((raw) => {
    const index = /^\d+$/.test(raw) ? Number(raw) : NaN;
    if (!(index < nodeCount)) {
      throw new ConfigError('CTI_PREFERRED_NODES', `lists node positions from 0 to ${nodeCount - 1} (as in CTI_AMI_URL), got "${raw}".`);
    }
    return index;
  });
  const redisPrefix = env.CTI_REDIS_PREFIX ?? 'cti:';
  if (!/^[A-Za-z0-9_.:-]{1,60}$/.test(redisPrefix)) {
    throw new ConfigError('CTI_REDIS_PREFIX', 'may hold only letters, digits, ., :, - and _ (at most 60).');
  }
  return { serverId, nodeLeaseMs, preferredNodes, serverTtlMs, presenceResyncMs, redisPrefix };
}
