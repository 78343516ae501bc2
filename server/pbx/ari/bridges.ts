import { z } from 'zod';
import type { AriPlayOptions } from './channels.js';
import { type AriHttp, seg } from './http.js';
import { type AriBridge, type AriPlayback, BridgeSchema, PlaybackSchema } from './models.js';

export interface AriBridgeCreateParams {
  /** Comma-joined bridge types, e.g. `mixing` or `mixing,dtmf_events` (see BRIDGE_TYPES). */
  type?: string | readonly string[];
  bridgeId?: string;
  name?: string;
}

export interface AriAddChannelOptions {
  role?: string;
  absorbDTMF?: boolean;
  mute?: boolean;
  inhibitConnectedLineUpdates?: boolean;
}

const ids = (channel: string | readonly string[]): string => (typeof channel === 'string' ? channel : channel.join(','));

/** `/bridges`. addChannel answers 422 for a channel outside Stasis, 404 for a missing bridge. */
export class AriBridges {
  constructor(private readonly http: AriHttp) {}

  create(params: AriBridgeCreateParams = {}): Promise<AriBridge> {
    const type = params.type === undefined ? undefined : typeof params.type === 'string' ? params.type : params.type.join(',');
    return this.http.json('POST', '/bridges', BridgeSchema, { query: { type, bridgeId: params.bridgeId, name: params.name } });
  }

  get(bridgeId: string): Promise<AriBridge> {
    return this.http.json('GET', `/bridges/${seg(bridgeId)}`, BridgeSchema);
  }

  list(): Promise<AriBridge[]> {
    return this.http.json('GET', '/bridges', z.array(BridgeSchema));
  }

  destroy(bridgeId: string): Promise<void> {
    return this.http.empty('DELETE', `/bridges/${seg(bridgeId)}`);
  }

  addChannel(bridgeId: string, channel: string | readonly string[], options: AriAddChannelOptions = {}): Promise<void> {
    return this.http.empty('POST', `/bridges/${seg(bridgeId)}/addChannel`, { query: { channel: ids(channel), ...options } });
  }

  removeChannel(bridgeId: string, channel: string | readonly string[]): Promise<void> {
    return this.http.empty('POST', `/bridges/${seg(bridgeId)}/removeChannel`, { query: { channel: ids(channel) } });
  }

  play(bridgeId: string, media: string | readonly string[], options: AriPlayOptions = {}): Promise<AriPlayback> {
    const list = typeof media === 'string' ? [media] : [...media];
    if (list.length === 0) throw new TypeError('play needs at least one media URI (e.g. sound:hello).');
    const path = options.playbackId ? `/bridges/${seg(bridgeId)}/play/${seg(options.playbackId)}` : `/bridges/${seg(bridgeId)}/play`;
    const query = { media: list.join(','), lang: options.lang, offsetms: options.offsetms, skipms: options.skipms };
    return this.http.json('POST', path, PlaybackSchema, { query });
  }

  startMoh(bridgeId: string, mohClass?: string): Promise<void> {
    return this.http.empty('POST', `/bridges/${seg(bridgeId)}/moh`, { query: { mohClass } });
  }

  stopMoh(bridgeId: string): Promise<void> {
    return this.http.empty('DELETE', `/bridges/${seg(bridgeId)}/moh`);
  }
}
