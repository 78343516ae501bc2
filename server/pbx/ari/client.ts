import { AriBridges } from './bridges.js';
import { AriChannels } from './channels.js';
import { AriEventSocket, type AriEventSocketOptions } from './event-socket.js';
import { AriHttp } from './http.js';
import { AriApplications, AriAsterisk, AriEndpoints, AriPlaybacks, AriRecordings } from './resources.js';

export interface AriClientOptions extends AriEventSocketOptions {
  /** Per-request timeout for REST calls (default 5 s). */
  requestTimeoutMs?: number;
  /** Most REST connections open to this Asterisk at once (default 20). */
  maxConnections?: number;
}

/**
 * ARI for one Asterisk node: typed REST resources over a bounded keep-alive connection
 * pool, and the events WebSocket (start() / stop(); `connected` after every (re)connect
 * is the resync hook).
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
  private readonly http: AriHttp;

  constructor(options: AriClientOptions) {
    super(options);
    const http = new AriHttp(options);
    this.http = http;
    this.app = options.app;
    this.channels = new AriChannels(http);
    this.bridges = new AriBridges(http);
    this.playbacks = new AriPlaybacks(http);
    this.recordings = new AriRecordings(http);
    this.endpoints = new AriEndpoints(http);
    this.applications = new AriApplications(http);
    this.asterisk = new AriAsterisk(http);
  }

  /** Closes the events socket and the idle REST connections. */
  override async stop(): Promise<void> {
    await super.stop();
    this.http.close();
  }
}
