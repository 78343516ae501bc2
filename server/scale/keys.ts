// Every Redis key and channel the CTI servers share, named once. One prefix per
// deployment (CTI_REDIS_PREFIX, `cti:` by default) so two call centers can share a Redis.

export const SCALE_PREFIX = 'cti:';

export interface ScaleKeys {
  /** Hash: `<advisorId>:<group>` -> the latest presence message of that group. */
  presence: string;
  /** Pub/sub channel carrying each presence message as it is written. */
  presenceChannel: string;
  /** Counter ordering presence messages across servers. */
  presenceSeq: string;
  /** Hash: `<serverId>` -> that server's latest waiting-callers record. */
  waiting: string;
  /** Pub/sub channel carrying each waiting-callers record as it is written. */
  waitingChannel: string;
  /** Counter ordering waiting-callers records across servers. */
  waitingSeq: string;
  /** String with a TTL per running server: present = alive. */
  server(serverId: string): string;
  /** String holding the server id that owns an Asterisk node's Stasis app. */
  nodeLease(app: string, node: string): string;
  /** Socket.IO Redis adapter channel prefix. */
  socketIo: string;
  /** An agent's current screen pops: the pops (hash), their order (sorted set), their acks (hash). */
  pops(advisorId: number): { pops: string; order: string; acked: string };
  /** Counter ordering pops by first sending. */
  popSeq: string;
  /** String with a TTL: the holder of the right to put a call on this advisor's phone (advisor claims). */
  advisorClaim(advisorId: number): string;
}

export function scaleKeys(prefix = SCALE_PREFIX): ScaleKeys {
  return {
    presence: `${prefix}presence`,
    presenceChannel: `${prefix}presence:changes`,
    presenceSeq: `${prefix}presence:seq`,
    waiting: `${prefix}waiting`,
    waitingChannel: `${prefix}waiting:changes`,
    waitingSeq: `${prefix}waiting:seq`,
    server: (serverId) => `${prefix}server:${serverId}`,
    nodeLease: (app, node) => `${prefix}node-lease:${app}:${node}`,
    socketIo: `${prefix}socket.io`,
    pops: (advisorId) => ({ pops: `${prefix}pops:${advisorId}`, order: `${prefix}pops:${advisorId}:order`, acked: `${prefix}pops:${advisorId}:acked` }),
    popSeq: `${prefix}pops:seq`,
    advisorClaim: (advisorId) => `${prefix}advisor-claim:${advisorId}`,
  };
}

/** A node's identity across servers: its ARI address (servers may list nodes in another order). */
export function nodeLeaseName(ariBaseUrl: string): string {
  const url = new URL(ariBaseUrl);
  return `${url.hostname}:${url.port || (url.protocol === 'https:' ? '443' : '80')}`;
}
