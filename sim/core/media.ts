// Playbacks on channels and bridges: queued -> playing -> done | failed, with a
// duration per media URI that the scenario sets (prompts last a plausible time).
import { randomUUID } from 'node:crypto';
import type { Bridge, Channel, Playback } from './model.js';
import type { Pbx } from './pbx.js';
import { ariPlayback } from './format.js';

export interface MediaCatalog {
  durationMs(uri: string): number;
}

function appsOf(p: Playback): ReadonlySet<string> {
  return p.target.channel?.apps ?? p.target.bridge?.apps ?? new Set();
}

export function startPlayback(
  pbx: Pbx,
  media: MediaCatalog,
  target: { channel?: Channel; bridge?: Bridge },
  mediaUris: string[],
  opts: { id?: string; lang?: string } = {},
): Playback {
  const targetUri = target.channel ? `channel:${target.channel.id}` : `bridge:${target.bridge?.id ?? ''}`;
  const playback: Playback = {
    id: opts.id ?? randomUUID(),
    mediaUris,
    targetUri,
    language: opts.lang ?? 'en',
    state: 'queued',
    mediaIndex: 0,
    target,
  };
  pbx.playbacks.set(playback.id, playback);
  const owner = target.channel ?? target.bridge;
  if (owner?.playback) endPlayback(pbx, owner.playback, 'done');
  if (owner) owner.playback = playback;
  setImmediate(() => playNext(pbx, media, playback));
  return playback;
}

function playNext(pbx: Pbx, media: MediaCatalog, p: Playback): void {
  if (p.state !== 'queued' && p.state !== 'playing') return;
  const uri = p.mediaUris[p.mediaIndex];
  if (uri === undefined) {
    endPlayback(pbx, p, 'done');
    return;
  }
  const first = p.state === 'queued';
  p.state = 'playing';
  pbx.ariEvent(appsOf(p), first ? 'PlaybackStarted' : 'PlaybackContinuing', { playback: ariPlayback(p) });
  const ch = p.target.channel;
  ch?.onEvent?.({ type: 'playback', media: uri });
  for (const member of p.target.bridge?.channels ?? []) member.onEvent?.({ type: 'playback', media: uri });
  p.timer = setTimeout(() => {
    p.mediaIndex += 1;
    if (p.mediaIndex >= p.mediaUris.length) {
      p.mediaIndex = p.mediaUris.length - 1;
      endPlayback(pbx, p, 'done');
    } else playNext(pbx, media, p);
  }, media.durationMs(uri));
}

export function endPlayback(pbx: Pbx, p: Playback, state: 'done' | 'failed'): void {
  if (p.state === 'done' || p.state === 'failed') return;
  if (p.timer) clearTimeout(p.timer);
  const wasQueued = p.state === 'queued';
  p.state = state;
  pbx.playbacks.delete(p.id);
  const owner = p.target.channel ?? p.target.bridge;
  if (owner && owner.playback === p) owner.playback = undefined;
  if (!wasQueued) pbx.ariEvent(appsOf(p), 'PlaybackFinished', { playback: ariPlayback(p) });
}
