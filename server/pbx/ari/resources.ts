// The smaller ARI resources: playbacks, recordings, endpoints, applications, asterisk.
import { z } from 'zod';
import { type AriHttp, seg } from './http.js';
import {
  type AriApplication,
  type AriAsteriskInfo,
  type AriEndpoint,
  type AriLiveRecording,
  type AriPlayback,
  type AriStoredRecording,
  ApplicationSchema,
  AsteriskInfoSchema,
  EndpointSchema,
  LiveRecordingSchema,
  PlaybackSchema,
  StoredRecordingSchema,
} from './models.js';

export class AriPlaybacks {
  constructor(private readonly http: AriHttp) {}

  get(playbackId: string): Promise<AriPlayback> {
    return this.http.json('GET', `/playbacks/${seg(playbackId)}`, PlaybackSchema);
  }

  /** Stops a playback; 404 when it already finished. */
  stop(playbackId: string): Promise<void> {
    return this.http.empty('DELETE', `/playbacks/${seg(playbackId)}`);
  }
}

export class AriRecordings {
  constructor(private readonly http: AriHttp) {}

  getLive(name: string): Promise<AriLiveRecording> {
    return this.http.json('GET', `/recordings/live/${seg(name)}`, LiveRecordingSchema);
  }

  /** Stops and keeps the recording (it becomes a stored recording). */
  stopLive(name: string): Promise<void> {
    return this.http.empty('POST', `/recordings/live/${seg(name)}/stop`);
  }

  /** Stops and discards the recording. */
  cancelLive(name: string): Promise<void> {
    return this.http.empty('DELETE', `/recordings/live/${seg(name)}`);
  }

  listStored(): Promise<AriStoredRecording[]> {
    return this.http.json('GET', '/recordings/stored', z.array(StoredRecordingSchema));
  }

  getStored(name: string): Promise<AriStoredRecording> {
    return this.http.json('GET', `/recordings/stored/${seg(name)}`, StoredRecordingSchema);
  }

  deleteStored(name: string): Promise<void> {
    return this.http.empty('DELETE', `/recordings/stored/${seg(name)}`);
  }

  /** The recorded file's bytes and content type. */
  fetchStoredFile(name: string, timeoutMs?: number): Promise<{ contentType: string; data: Buffer }> {
    return this.http.bytes('GET', `/recordings/stored/${seg(name)}/file`, { timeoutMs });
  }
}

export class AriEndpoints {
  constructor(private readonly http: AriHttp) {}

  list(): Promise<AriEndpoint[]> {
    return this.http.json('GET', '/endpoints', z.array(EndpointSchema));
  }

  listByTech(technology: string): Promise<AriEndpoint[]> {
    return this.http.json('GET', `/endpoints/${seg(technology)}`, z.array(EndpointSchema));
  }

  get(technology: string, resource: string): Promise<AriEndpoint> {
    return this.http.json('GET', `/endpoints/${seg(technology)}/${seg(resource)}`, EndpointSchema);
  }
}

export class AriApplications {
  constructor(private readonly http: AriHttp) {}

  /** Registered apps; an app exists only while its WebSocket is open. */
  list(): Promise<AriApplication[]> {
    return this.http.json('GET', '/applications', z.array(ApplicationSchema));
  }

  get(name: string): Promise<AriApplication> {
    return this.http.json('GET', `/applications/${seg(name)}`, ApplicationSchema);
  }
}

export class AriAsterisk {
  constructor(private readonly http: AriHttp) {}

  info(): Promise<AriAsteriskInfo> {
    return this.http.json('GET', '/asterisk/info', AsteriskInfoSchema);
  }
}
