// The store as the composition root builds it: one object holding every repository,
// all sharing one knex instance and one clock.
import type { Knex } from 'knex';
import { AdvisorStore } from './advisors.js';
import { CallbackStore } from './callbacks.js';
import { CallerLookup } from './caller-context.js';
import { CallStore } from './calls.js';
import { ContactLogStore } from './contact-log.js';
import { DispositionStore } from './dispositions.js';
import { MemberStore } from './members.js';
import { OwnershipStore } from './ownership.js';
import { PromptStore } from './prompts.js';
import { systemClock, type Clock } from './sql.js';
import { StatsStore } from './stats.js';
import { TokenStore } from './tokens.js';
import { UserStore } from './users.js';

export interface StoreOptions {
  clock?: Clock;
  /** Country code for national numbers (config.outbound.defaultCountry). */
  defaultCountry: string;
  /** Members an advisor may own unless set otherwise (config.allocation.defaultCapacity). */
  defaultCapacity: number;
  /** Lifetime of a login token (config.tokenTtlMs). */
  tokenTtlMs: number;
}

export interface Store {
  db: Knex;
  advisors: AdvisorStore;
  members: MemberStore;
  callers: CallerLookup;
  ownership: OwnershipStore;
  users: UserStore;
  tokens: TokenStore;
  calls: CallStore;
  callbacks: CallbackStore;
  contacts: ContactLogStore;
  prompts: PromptStore;
  dispositions: DispositionStore;
  stats: StatsStore;
}

export function createStore(db: Knex, options: StoreOptions): Store {
  const clock = options.clock ?? systemClock;
  return {
    db,
    advisors: new AdvisorStore(db, { clock, defaultCapacity: options.defaultCapacity }),
    members: new MemberStore(db, { clock, defaultCountry: options.defaultCountry }),
    callers: new CallerLookup(db, { defaultCountry: options.defaultCountry }),
    ownership: new OwnershipStore(db, { clock }),
    users: new UserStore(db, { clock }),
    tokens: new TokenStore(db, { clock, ttlMs: options.tokenTtlMs }),
    calls: new CallStore(db, { clock }),
    callbacks: new CallbackStore(db, { clock, defaultCountry: options.defaultCountry }),
    contacts: new ContactLogStore(db, { clock }),
    prompts: new PromptStore(db, { clock }),
    dispositions: new DispositionStore(db, { clock }),
    stats: new StatsStore(db),
  };
}

export type { Clock } from './sql.js';
