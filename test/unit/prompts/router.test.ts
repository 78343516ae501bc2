import { expect } from 'chai';
import express from 'express';
import { request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPromptMediaRouter } from '../../../server/prompts/router.js';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Sends the path exactly as given (no URL normalisation), like a hostile client would. */
function get(port: number, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('latin1') }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('createPromptMediaRouter', () => {
  let root: string;
  let server: Server;
  let port: number;
  const CLIP = 'RIFF-fake-clip-bytes';

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'cti-media-'));
    const audio = join(root, 'audio');
    await mkdir(join(audio, 'zh'), { recursive: true });
    await mkdir(join(audio, 'en'), { recursive: true });
    await writeFile(join(audio, 'zh', 'welcome.wav'), CLIP);
    await writeFile(join(audio, 'zh', '.welcome.abc.wav'), 'half-written');
    await writeFile(join(audio, 'zh', 'welcome.hash'), 'hash');
    await writeFile(join(root, 'secret.wav'), 'TOP-SECRET');
    await writeFile(join(audio, 'secret.wav'), 'TOP-SECRET');
    const app = express();
    app.use(createPromptMediaRouter(audio));
    app.use((_req, res) => res.status(418).send('fell through'));
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    await new Promise((resolve) => server.close(resolve));
    await rm(root, { recursive: true, force: true });
  });

  it('serves a clip as audio/wav with an ETag and a Cache-Control max-age', async () => {
    const reply = await get(port, '/media/prompts/zh/welcome.wav');
    expect(reply.status).to.equal(200);
    expect(reply.body).to.equal(CLIP);
    expect(reply.headers['content-type']).to.match(/^audio\/wav/);
    expect(reply.headers.etag).to.be.a('string');
    expect(reply.headers['cache-control']).to.match(/max-age=300/);
  });

  it('answers 304 without a body when the ETag still matches, as Asterisk\'s media cache revalidates', async () => {
    const first = await get(port, '/media/prompts/zh/welcome.wav');
    const again = await get(port, '/media/prompts/zh/welcome.wav', { 'If-None-Match': String(first.headers.etag) });
    expect(again.status).to.equal(304);
    expect(again.body).to.equal('');
    const changed = await get(port, '/media/prompts/zh/welcome.wav', { 'If-None-Match': '"something-else"' });
    expect(changed.status).to.equal(200);
  });

  it('answers HEAD with the headers only', async () => {
    const reply = await get(port, '/media/prompts/zh/welcome.wav', {}, 'HEAD');
    expect(reply.status).to.equal(200);
    expect(reply.body).to.equal('');
  });

  for (const path of [
    '/media/prompts/zh/..%2Fsecret.wav',
    '/media/prompts/zh/..%2F..%2Fsecret.wav',
    '/media/prompts/zh/%2e%2e%2fsecret.wav',
    '/media/prompts/..%2F..%2F/secret.wav',
    '/media/prompts/zh/../secret.wav',
    '/media/prompts/zh/../../secret.wav',
    '/media/prompts/zh/%2e%2e/secret.wav',
    '/media/prompts/zh/..%5Csecret.wav',
    '/media/prompts/zh/.welcome.abc.wav',
    '/media/prompts/zh/welcome.hash',
    '/media/prompts/fr/welcome.wav',
    '/media/prompts/zh/welcome',
    '/media/prompts/zh/WELCOME.wav',
    '/media/prompts/zh/welcome.wav%00.txt',
  ]) {
    it(`refuses ${path} without revealing anything outside the clips`, async () => {
      const reply = await get(port, path);
      expect(reply.status).to.equal(404);
      expect(reply.body).to.not.contain('TOP-SECRET');
      expect(reply.body).to.not.contain('half-written');
    });
  }

  it('lists no directory and does not fall through to later middleware', async () => {
    for (const path of ['/media/prompts/', '/media/prompts/zh/', '/media/prompts/zh', '/media/prompts']) {
      const reply = await get(port, path);
      expect(reply.status, path).to.equal(404);
      expect(reply.body).to.not.contain('welcome');
    }
  });

  it('answers 404 for a clip that does not exist', async () => {
    const reply = await get(port, '/media/prompts/en/welcome.wav');
    expect(reply.status).to.equal(404);
    expect(JSON.parse(reply.body)).to.have.nested.property('error.code', 'not_found');
  });
});
