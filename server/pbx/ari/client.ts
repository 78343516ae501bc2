import { AriBridges } from './bridges.js';
import { AriChannels } from './channels.js';
import { AriEventSocket, type AriEventSocketOptions } from './event-socket.js';
import { AriHttp } from './http.js';
import { AriApplications, AriAsterisk, AriEndpoints, AriPlaybacks, AriRecordings } from './resources.js';

export interface AriClientOptions extends AriEventSocketOptions {
  /** Per-request timeout for REST calls (default 5 s). */
  requestTimeoutMs?: number;
}

/**
 * ARI for one Asterisk node: typed REST resources over global fetch, and the events
 * WebSocket (start() / stop(); `connected` after every (re)connect is the resync hook).
 */
export class AriClient extends AriEventSocket {
  readonly channels: AriChannels;
  readonly bridges: AriBridges;
  readonly playbacks: AriPlaybacks;
  readonly recordings: AriRecordings;
  readonly endpoints: AriEndpoints;
  readonly applications: AriApplications;
  readonly asterisk: AriAsterisk;
  readonly app: string;

  constructor(options: AriClientOptions) {
    super(options);
    const http = new AriHttp(options);
    this.app = options.app;
    this.channels = new AriChannels(http);
    this.bridges = new AriBridges(http);
    this.playbacks = new AriPlaybacks(http);
    this.recordings = new AriRecordings(http);
    this.endpoints = new AriEndpoints(http);
    this.applications = new AriApplications(http);
    this.asterisk = new AriAsterisk(http);
  }
}
