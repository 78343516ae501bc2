import { z } from 'zod';
import { type AriHttp, type AriQuery, seg } from './http.js';
import {
  type AriChannel,
  type AriLiveRecording,
  type AriPlayback,
  ChannelSchema,
  LiveRecordingSchema,
  PlaybackSchema,
  VariableSchema,
} from './models.js';
import type { AriHangupReason } from './protocol.js';

export interface AriOriginateParams {
  /** Dial string: `PJSIP/1001`, `Local/1001@agents`. */
  endpoint: string;
  /** Stasis app that receives the channel when answered (with `appArgs`)... */
  app?: string;
  /** ...its StasisStart `args`; an array is joined with commas as ARI expects. */
  appArgs?: string | readonly string[];
  /** ...or a dialplan location. */
  extension?: string;
  context?: string;
  priority?: number;
  label?: string;
  /** Ring timeout in seconds (ARI default 30). */
  timeoutSeconds?: number;
  callerId?: string;
  /** Channel variables, sent in the JSON body. */
  variables?: Record<string, string>;
  channelId?: string;
  otherChannelId?: string;
  /** Channel id whose codecs and linkedid the new channel inherits. */
  originator?: string;
  formats?: string;
}

export interface AriCreateParams {
  endpoint: string;
  app: string;
  appArgs?: string | readonly string[];
  channelId?: string;
  otherChannelId?: string;
  originator?: string;
  formats?: string;
  variables?: Record<string, string>;
}

export interface AriPlayOptions {
  lang?: string;
  offsetms?: number;
  skipms?: number;
  /** Choose the Playback id (URL `/play/{playbackId}`), to match its events before the reply. */
  playbackId?: string;
}

export interface AriRecordParams {
  name: string;
  format: string;
  maxDurationSeconds?: number;
  maxSilenceSeconds?: number;
  ifExists?: 'fail' | 'overwrite' | 'append';
  beep?: boolean;
  terminateOn?: 'none' | 'any' | '*' | '#';
}

export interface AriDtmfOptions {
  before?: number;
  between?: number;
  duration?: number;
  after?: number;
}

export interface AriContinueParams {
  context?: string;
  extension?: string;
  priority?: number;
  label?: string;
}

const joinArgs = (args: string | readonly string[] | undefined): string | undefined =>
  args === undefined ? undefined : typeof args === 'string' ? args : args.join(',');

const joinMedia = (media: string | readonly string[]): string => {
  const list = typeof media === 'string' ? [media] : [...media];
  if (list.length === 0) throw new TypeError('play needs at least one media URI (e.g. sound:hello).');
  return list.join(',');
};

/** `/channels`: what a Stasis call flow does to a channel. 404 = the channel is gone. */
export class AriChannels {
  constructor(private readonly http: AriHttp) {}

  list(): Promise<AriChannel[]> {
    return this.http.json('GET', '/channels', z.array(ChannelSchema));
  }

  get(channelId: string): Promise<AriChannel> {
    return this.http.json('GET', `/channels/${seg(channelId)}`, ChannelSchema);
  }

  /** Creates and dials a channel; with `app`, it enters Stasis (StasisStart with `appArgs`) when answered. */
  originate(params: AriOriginateParams): Promise<AriChannel> {
    const query: AriQuery = {
      endpoint: params.endpoint,
      app: params.app,
      appArgs: joinArgs(params.appArgs),
      extension: params.extension,
      context: params.context,
      priority: params.priority,
      label: params.label,
      timeout: params.timeoutSeconds,
      callerId: params.callerId,
      channelId: params.channelId,
      otherChannelId: params.otherChannelId,
      originator: params.originator,
      formats: params.formats,
    };
    const body = params.variables ? { variables: params.variables } : undefined;
    return this.http.json('POST', '/channels', ChannelSchema, { query, body });
  }

  /** Creates a channel without dialing it; call dial() after adding it to a bridge. */
  create(params: AriCreateParams): Promise<AriChannel> {
    const query: AriQuery = {
      endpoint: params.endpoint,
      app: params.app,
      appArgs: joinArgs(params.appArgs),
      channelId: params.channelId,
      otherChannelId: params.otherChannelId,
      originator: params.originator,
      formats: params.formats,
    };
    const body = params.variables ? { variables: params.variables } : undefined;
    return this.http.json('POST', '/channels/create', ChannelSchema, { query, body });
  }

  /** Dials a created channel; 409 when it is not Down any more. */
  dial(channelId: string, options: { caller?: string; timeoutSeconds?: number } = {}): Promise<void> {
    return this.http.empty('POST', `/channels/${seg(channelId)}/dial`, {
      query: { caller: options.caller, timeout: options.timeoutSeconds },
    });
  }

  answer(channelId: string): Promise<void> {
    return this.http.empty('POST', `/channels/${seg(channelId)}/answer`);
  }

  ring(channelId: string): Promise<void> {
    return this.http.empty('POST', `/channels/${seg(channelId)}/ring`);
  }

  ringStop(channelId: string): Promise<void> {
    return this.http.empty('DELETE', `/channels/${seg(channelId)}/ring`);
  }

  hangup(channelId: string, options: { reason?: AriHangupReason } = {}): Promise<void> {
    return this.http.empty('DELETE', `/channels/${seg(channelId)}`, { query: { reason: options.reason } });
  }

  /** Plays one media URI or several in a row; resolves with the queued Playback. */
  play(channelId: string, media: string | readonly string[], options: AriPlayOptions = {}): Promise<AriPlayback> {
    const path = options.playbackId
      ? `/channels/${seg(channelId)}/play/${seg(options.playbackId)}`
      : `/channels/${seg(channelId)}/play`;
    const query = { media: joinMedia(media), lang: options.lang, offsetms: options.offsetms, skipms: options.skipms };
    return this.http.json('POST', path, PlaybackSchema, { query });
  }

  /** Starts a live recording; 409 when the name exists (ifExists=fail), 422 for an unknown format. */
  record(channelId: string, params: AriRecordParams): Promise<AriLiveRecording> {
    return this.http.json('POST', `/channels/${seg(channelId)}/record`, LiveRecordingSchema, {
      query: {
        name: params.name,
        format: params.format,
        maxDurationSeconds: params.maxDurationSeconds,
        maxSilenceSeconds: params.maxSilenceSeconds,
        ifExists: params.ifExists,
        beep: params.beep,
        terminateOn: params.terminateOn,
      },
    });
  }

  sendDtmf(channelId: string, dtmf: string, options: AriDtmfOptions = {}): Promise<void> {
    return this.http.empty('POST', `/channels/${seg(channelId)}/dtmf`, { query: { dtmf, ...options } });
  }

  /** A channel variable or function value; 404 when the variable is not set (or the channel is gone). */
  async getVariable(channelId: string, variable: string): Promise<string> {
    const result = await this.http.json('GET', `/channels/${seg(channelId)}/variable`, VariableSchema, { query: { variable } });
    return result.value;
  }

  setVariable(channelId: string, variable: string, value: string): Promise<void> {
    return this.http.empty('POST', `/channels/${seg(channelId)}/variable`, { query: { variable, value } });
  }

  /** Leaves Stasis and resumes the dialplan (StasisEnd follows). */
  continueInDialplan(channelId: string, params: AriContinueParams = {}): Promise<void> {
    return this.http.empty('POST', `/channels/${seg(channelId)}/continue`, { query: { ...params } });
  }

  startMoh(channelId: string, mohClass?: string): Promise<void> {
    return this.http.empty('POST', `/channels/${seg(channelId)}/moh`, { query: { mohClass } });
  }

  stopMoh(channelId: string): Promise<void> {
    return this.http.empty('DELETE', `/channels/${seg(channelId)}/moh`);
  }
}
