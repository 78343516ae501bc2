// A key held by one holder at a time, with a time to live: the Asterisk node leases and the
// advisor claims are both this, so both run the same two scripts.

/** Renews the key if `ARGV[1]` holds it, takes it for `ARGV[2]` ms if nobody does; 1 when held. */
export const HOLD_SCRIPT = `
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
if holder then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1`;

/** Deletes the key if `ARGV[1]` still holds it; 1 when it did. */
export const LET_GO_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) return 1 end
return 0`;
