import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { createGzip } from 'node:zlib';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_DOWNLOAD_MAX_BYTES, downloadAttachment } from '../../src/dossier/download-attachment.js';
import { createLocalStorage } from '../../src/storage/local-storage.js';
import type { DocumentStorage } from '../../src/storage/storage.js';

const cdn = 'https://f20-zpc.dlfl.vn';
const pdfBytes = Buffer.from('%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n');
const mzBytes = Buffer.concat([Buffer.from('MZ\x90\x00\x03\x00\x00\x00', 'latin1'), Buffer.alloc(1024)]);
// The month a stored copy is filed under; any instant will do.
const filedAt = new Date('2026-12-04T03:00:00Z');

let root = '';
let calls: string[] = [];

/** The local storage, with every call noted so a test can say that nothing was stored. */
function recordingStorage(): DocumentStorage {
  const inner = createLocalStorage({ root });
  return {
    put: (key, body, options) => {
      calls.push(`put ${key}`);
      return inner.put(key, body, options);
    },
    get: (key) => inner.get(key),
    head: (key) => inner.head(key),
    delete: (key) => {
      calls.push(`delete ${key}`);
      return inner.delete(key);
    },
  };
}

async function storedFiles(): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => entry.name);
}

async function readAll(stream: Readable): Promise<Buffer> {
  const pieces: Buffer[] = [];
  for await (const piece of stream) pieces.push(Buffer.from(piece));
  return Buffer.concat(pieces);
}

/** A PDF-looking body of `totalBytes`, made 64 KB at a time; `produced` counts what was asked for. */
function generatedPdf(totalBytes: number): { stream: Readable; produced: () => number } {
  let produced = 0;
  const piece = Buffer.alloc(64 * 1024, 0x20);
  const stream = new Readable({
    read() {
      if (produced >= totalBytes) {
        this.push(null);
        return;
      }
      const next = produced === 0 ? Buffer.concat([pdfBytes, piece.subarray(pdfBytes.length)]) : piece;
      const size = Math.min(next.length, totalBytes - produced);
      produced += size;
      // One piece per turn of the event loop, as a network would deliver it.
      setImmediate(() => this.push(next.subarray(0, size)));
    },
  });
  return { stream, produced: () => produced };
}

/** Sends `first`, then nothing ever again: a download stalled mid-body. */
function stalledBody(first: Buffer): Readable {
  let sent = false;
  return new Readable({
    read() {
      if (!sent) {
        sent = true;
        this.push(first);
      }
    },
  });
}

beforeAll(async () => {
  nock.disableNetConnect();
  root = await mkdtemp(path.join(tmpdir(), 'ocop-download-'));
});

beforeEach(() => {
  calls = [];
});

afterEach(async () => {
  // A mock that was never used is as much a failure as a request nobody expected.
  const pending = nock.pendingMocks();
  nock.cleanAll();
  expect(pending).toEqual([]);
  await rm(root, { recursive: true, force: true });
});

afterAll(() => {
  nock.enableNetConnect();
});

describe('downloadAttachment', () => {
  it('stores a PDF under a fresh document key, with its size and SHA-256', async () => {
    nock(cdn).get('/file/ho-so.pdf').reply(200, pdfBytes, { 'content-type': 'application/octet-stream', 'content-length': String(pdfBytes.length) });
    const storage = recordingStorage();
    const result = await downloadAttachment({ url: `${cdn}/file/ho-so.pdf`, now: filedAt, storage });
    expect(result).toEqual({
      ok: true,
      storageKey: expect.stringMatching(/^documents\/\d{4}\/\d{2}\/[0-9a-f-]{36}\.pdf$/),
      sizeBytes: pdfBytes.length,
      sha256: createHash('sha256').update(pdfBytes).digest('hex'),
      type: { kind: 'accepted', mediaType: 'application/pdf', extension: 'pdf', printable: true },
    });
    if (!result.ok) return;
    expect((await readAll(await storage.get(result.storageKey))).equals(pdfBytes)).toBe(true);
  });

  it('gives the same SHA-256 for the same file twice, under two keys, so the caller can spot duplicates', async () => {
    nock(cdn).get('/a.pdf').times(2).reply(200, pdfBytes);
    const first = await downloadAttachment({ url: `${cdn}/a.pdf`, now: filedAt, storage: recordingStorage() });
    const second = await downloadAttachment({ url: `${cdn}/a.pdf`, now: filedAt, storage: recordingStorage() });
    expect(first.ok && second.ok).toBe(true);
    if (!first.ok || !second.ok) return;
    expect(second.sha256).toBe(first.sha256);
    expect(second.storageKey).not.toBe(first.storageKey);
  });

  it('cuts a 26 MB body without Content-Length off at the 25 MB limit, and stores nothing', async () => {
    const body = generatedPdf(26 * 1024 * 1024);
    nock(cdn).get('/big.pdf').reply(200, () => body.stream);
    const result = await downloadAttachment({ url: `${cdn}/big.pdf`, now: filedAt, storage: recordingStorage() });
    expect(result).toEqual({ ok: false, reason: 'too_large', limitBytes: DEFAULT_DOWNLOAD_MAX_BYTES });
    expect(DEFAULT_DOWNLOAD_MAX_BYTES).toBe(25 * 1024 * 1024);
    expect(calls.map((call) => call.split(' ')[0])).toEqual(['put', 'delete']);
    expect(await storedFiles()).toEqual([]);
  });

  it('stops reading from the server as soon as the limit is passed', async () => {
    // nock reads a reply stream to its end whoever listens, so this one needs a real socket.
    nock.enableNetConnect('127.0.0.1');
    const body = generatedPdf(64 * 1024 * 1024);
    const server = createServer((_req, res) => body.stream.pipe(res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const address = server.address();
      if (!address || typeof address === 'string') throw new Error('the test server has no port');
      const result = await downloadAttachment({ url: `http://127.0.0.1:${address.port}/big.pdf`, now: filedAt, storage: recordingStorage(), maxBytes: 1024 * 1024 });
      expect(result).toEqual({ ok: false, reason: 'too_large', limitBytes: 1024 * 1024 });
      // The limit plus what socket buffers held when the connection was dropped.
      expect(body.produced()).toBeLessThan(16 * 1024 * 1024);
      expect(await storedFiles()).toEqual([]);
    } finally {
      body.stream.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      nock.disableNetConnect();
    }
  });

  it('refuses at once a body whose Content-Length is over the limit, without reading it', async () => {
    const body = generatedPdf(2 * 1024 * 1024);
    nock(cdn).get('/declared.pdf').reply(200, () => body.stream, { 'content-length': String(2 * 1024 * 1024) });
    const result = await downloadAttachment({ url: `${cdn}/declared.pdf`, now: filedAt, storage: recordingStorage(), maxBytes: 1024 * 1024 });
    expect(result).toEqual({ ok: false, reason: 'too_large', limitBytes: 1024 * 1024 });
    expect(calls).toEqual([]);
  });

  it('counts unpacked bytes when Content-Length understates them: 26 KB of gzip that unpacks past the limit', async () => {
    const packed = await readAll(generatedPdf(26 * 1024 * 1024).stream.pipe(createGzip()));
    expect(packed.length).toBeLessThan(1024 * 1024);
    nock(cdn).get('/bomb.pdf').reply(200, packed, { 'content-encoding': 'gzip', 'content-length': String(packed.length) });
    const result = await downloadAttachment({ url: `${cdn}/bomb.pdf`, now: filedAt, storage: recordingStorage() });
    expect(result).toEqual({ ok: false, reason: 'too_large', limitBytes: DEFAULT_DOWNLOAD_MAX_BYTES });
    expect(await storedFiles()).toEqual([]);
  });

  it('reports a body shorter than its Content-Length as unreachable, and removes the partial upload', async () => {
    const sent = Buffer.concat([pdfBytes, Buffer.alloc(200 * 1024, 0x20)]);
    nock(cdn).get('/short.pdf').reply(200, sent, { 'content-length': String(2 * 1024 * 1024) });
    const result = await downloadAttachment({ url: `${cdn}/short.pdf`, now: filedAt, storage: recordingStorage() });
    expect(result).toEqual({ ok: false, reason: 'unreachable' });
    expect(calls.map((call) => call.split(' ')[0])).toEqual(['put', 'delete']);
    expect(await storedFiles()).toEqual([]);
  });

  it('refuses an executable named .pdf and served as a PDF, and stores nothing', async () => {
    nock(cdn).get('/file/bao-cao.pdf').reply(200, mzBytes, { 'content-type': 'application/pdf' });
    const result = await downloadAttachment({ url: `${cdn}/file/bao-cao.pdf`, now: filedAt, storage: recordingStorage() });
    expect(result).toEqual({ ok: false, reason: 'unsupported' });
    expect(calls).toEqual([]);
  });

  it('ends a body that stalls before the type is known with a timeout, within the limit', async () => {
    nock(cdn).get('/stall-early.pdf').reply(200, () => stalledBody(pdfBytes));
    const started = performance.now();
    const result = await downloadAttachment({ url: `${cdn}/stall-early.pdf`, now: filedAt, storage: recordingStorage(), timeoutMs: 300 });
    expect(result).toEqual({ ok: false, reason: 'timeout' });
    expect(performance.now() - started).toBeLessThan(2000);
    expect(calls).toEqual([]);
  });

  it('ends a body that stalls during the upload with a timeout, and removes the partial upload', async () => {
    nock(cdn).get('/stall-late.pdf').reply(200, () => stalledBody(Buffer.concat([pdfBytes, Buffer.alloc(200 * 1024, 0x20)])));
    const started = performance.now();
    const result = await downloadAttachment({ url: `${cdn}/stall-late.pdf`, now: filedAt, storage: recordingStorage(), timeoutMs: 300 });
    expect(result).toEqual({ ok: false, reason: 'timeout' });
    expect(performance.now() - started).toBeLessThan(2000);
    expect(calls.map((call) => call.split(' ')[0])).toEqual(['put', 'delete']);
    expect(await storedFiles()).toEqual([]);
  });

  it('ends a body that trickles forever at the overall deadline', async () => {
    let timer: NodeJS.Timeout | undefined;
    const trickle = new Readable({
      read() {
        timer = setTimeout(() => this.push(Buffer.alloc(16, 0x20)), 20);
      },
    });
    trickle.push(pdfBytes);
    nock(cdn).get('/trickle.pdf').reply(200, () => trickle);
    const started = performance.now();
    const result = await downloadAttachment({ url: `${cdn}/trickle.pdf`, now: filedAt, storage: recordingStorage(), timeoutMs: 300, deadlineMs: 700 });
    clearTimeout(timer);
    trickle.destroy();
    expect(result).toEqual({ ok: false, reason: 'timeout' });
    expect(performance.now() - started).toBeGreaterThanOrEqual(650);
    expect(performance.now() - started).toBeLessThan(2500);
  });

  it('times out a server that does not answer in time', async () => {
    nock(cdn).get('/slow.pdf').delay(1000).reply(200, pdfBytes);
    const result = await downloadAttachment({ url: `${cdn}/slow.pdf`, now: filedAt, storage: recordingStorage(), timeoutMs: 200 });
    expect(result).toEqual({ ok: false, reason: 'timeout' });
  });

  it('follows redirects up to the limit and no further', async () => {
    nock(cdn).get('/r0').reply(302, '', { location: '/r1' }).get('/r1').reply(301, '', { location: `${cdn}/final.pdf` }).get('/final.pdf').reply(200, pdfBytes);
    await expect(downloadAttachment({ url: `${cdn}/r0`, now: filedAt, storage: recordingStorage(), maxRedirects: 2 })).resolves.toMatchObject({ ok: true, sizeBytes: pdfBytes.length });

    nock(cdn)
      .get('/loop0')
      .reply(302, '', { location: '/loop1' })
      .get('/loop1')
      .reply(302, '', { location: '/loop2' })
      .get('/loop2')
      .reply(302, '', { location: '/loop3' })
      .get('/loop3')
      .reply(302, '', { location: '/loop4' });
    const result = await downloadAttachment({ url: `${cdn}/loop0`, now: filedAt, storage: recordingStorage() });
    expect(result).toEqual({ ok: false, reason: 'http_error', status: 302 });
  });

  it('answers a 404 with http_error and the status', async () => {
    nock(cdn).get('/gone.pdf').reply(404, 'Not found');
    await expect(downloadAttachment({ url: `${cdn}/gone.pdf`, now: filedAt, storage: recordingStorage() })).resolves.toEqual({ ok: false, reason: 'http_error', status: 404 });
    expect(calls).toEqual([]);
  });

  it('reports a dropped connection as unreachable', async () => {
    nock(cdn).get('/reset.pdf').replyWithError('socket hang up');
    await expect(downloadAttachment({ url: `${cdn}/reset.pdf`, now: filedAt, storage: recordingStorage() })).resolves.toEqual({ ok: false, reason: 'unreachable' });
  });

  it('refuses URLs that are not http(s), and hosts outside the allowed ones, also after a redirect', async () => {
    const storage = recordingStorage();
    await expect(downloadAttachment({ url: 'file:///etc/passwd', storage, now: filedAt })).resolves.toEqual({ ok: false, reason: 'refused_url' });
    await expect(downloadAttachment({ url: 'not a url', storage, now: filedAt })).resolves.toEqual({ ok: false, reason: 'refused_url' });
    const zaloHosts = ['dlfl.vn', 'zdn.vn'];
    await expect(downloadAttachment({ url: 'https://files.example.com/a.pdf', storage, now: filedAt, allowedHosts: zaloHosts })).resolves.toEqual({ ok: false, reason: 'refused_url' });
    await expect(downloadAttachment({ url: 'https://evil-dlfl.vn/a.pdf', storage, now: filedAt, allowedHosts: zaloHosts })).resolves.toEqual({ ok: false, reason: 'refused_url' });
    nock(cdn).get('/moved.pdf').reply(302, '', { location: 'http://169.254.169.254/latest/meta-data/' });
    await expect(downloadAttachment({ url: `${cdn}/moved.pdf`, now: filedAt, storage, allowedHosts: zaloHosts })).resolves.toEqual({ ok: false, reason: 'refused_url' });
    nock(cdn).get('/ok.pdf').reply(200, pdfBytes);
    await expect(downloadAttachment({ url: `${cdn}/ok.pdf`, now: filedAt, storage, allowedHosts: zaloHosts })).resolves.toMatchObject({ ok: true });
  });
});
