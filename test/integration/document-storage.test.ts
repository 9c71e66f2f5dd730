import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentStorage } from '../../src/storage/create-document-storage.js';
import { createLocalStorage } from '../../src/storage/local-storage.js';
import { createS3Storage, type S3StorageConfig } from '../../src/storage/s3-storage.js';
import {
  InvalidStorageKeyError,
  StorageAccessDeniedError,
  StorageNotFoundError,
  StorageSizeMismatchError,
  StorageUnavailableError,
  newStorageKey,
  type DocumentStorage,
} from '../../src/storage/storage.js';
import { waitFor } from '../helpers/wait-for.js';

// The month a stored copy is filed under; any instant will do.
const filedAt = new Date('2026-12-04T03:00:00Z');

// s3rver ships no types; only the two calls used here are described.
interface S3rverApp {
  configureBuckets(): Promise<unknown>;
  callback(): (req: IncomingMessage, res: ServerResponse) => void;
}
const S3rver: new (options: { directory: string; silent: boolean; configureBuckets: Array<{ name: string; configs: string[] }> }) => S3rverApp = createRequire(import.meta.url)('s3rver');

// s3rver knows one key pair. It checks the key id but not SigV4 signatures, so the
// server below checks them itself before handing the request to s3rver.
const accessKeyId = 'S3RVER';
const secretAccessKey = 'S3RVER';
const region = 'ap-southeast-1';
const bucket = 'ocop-test';

const hmac = (key: Buffer | string, text: string) => createHmac('sha256', key).update(text, 'utf8').digest();

/** Recomputes a SigV4 header signature from what arrived, following AWS's description of it. */
function hasValidSignature(req: IncomingMessage): boolean {
  const match = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/s3\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/.exec(req.headers.authorization ?? '');
  if (!match) return false;
  const [, keyId, date, signedRegion, signedHeaders, signature] = match;
  if (keyId !== accessKeyId || !date || !signedRegion || !signedHeaders || !signature) return false;
  const names = signedHeaders.split(';');
  if (!names.includes('host') || !names.includes('x-amz-date')) return false;
  const url = new URL(req.url ?? '/', 'http://unused');
  const query = [...url.searchParams].map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).sort().join('&');
  const headers = names.map((name) => `${name}:${String(req.headers[name] ?? '').trim().replace(/\s+/g, ' ')}\n`).join('');
  const canonical = [req.method, url.pathname, query, headers, signedHeaders, String(req.headers['x-amz-content-sha256'])].join('\n');
  const scope = `${date}/${signedRegion}/s3/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', String(req.headers['x-amz-date']), scope, createHash('sha256').update(canonical).digest('hex')].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${secretAccessKey}`, date), signedRegion), 's3'), 'aws4_request');
  return timingSafeEqual(hmac(key, toSign), Buffer.from(signature, 'hex'));
}

async function startS3(): Promise<{ endpoint: string; close(): Promise<void> }> {
  const directory = await mkdtemp(path.join(tmpdir(), 's3rver-'));
  const app = new S3rver({ directory, silent: true, configureBuckets: [{ name: bucket, configs: [] }] });
  await app.configureBuckets();
  const handle = app.callback();
  const server: Server = createServer((req, res) => {
    // An unknown key id goes on to s3rver, which refuses it with its own error.
    if (req.headers.authorization?.includes(`Credential=${accessKeyId}/`) && !hasValidSignature(req)) {
      // Read to the end first, as S3 does, so the client sees the answer and not a reset.
      req.resume();
      req.on('end', () => {
        res.writeHead(403, { 'content-type': 'application/xml' });
        res.end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match</Message></Error>');
      });
      return;
    }
    handle(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('the S3 test server has no port');
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await rm(directory, { recursive: true, force: true });
    },
  };
}

function chunked(bytes: Buffer, size = 64 * 1024): Readable {
  const pieces: Buffer[] = [];
  for (let offset = 0; offset < bytes.length; offset += size) pieces.push(bytes.subarray(offset, offset + size));
  return Readable.from(pieces);
}

async function readAll(stream: Readable): Promise<Buffer> {
  const pieces: Buffer[] = [];
  for await (const piece of stream) pieces.push(Buffer.from(piece));
  return Buffer.concat(pieces);
}

/** A body that sends some bytes, then fails as a dropped download would. */
function failingBody(): Readable {
  return Readable.from(
    (async function* () {
      yield randomBytes(100_000);
      throw new Error('connection reset by the source');
    })(),
  );
}

const craftedKeys = [
  '../../etc/passwd',
  'documents/2026/11/../../../../etc/passwd',
  '/etc/passwd',
  'documents/2026/11/0b9f6c2e-1f0a-4f59-9a53-1d2b0f6e9c11.pdf/../../x',
  'documents/2026/11/0B9F6C2E-1F0A-4F59-9A53-1D2B0F6E9C11.pdf',
  'documents\\2026\\11\\0b9f6c2e-1f0a-4f59-9a53-1d2b0f6e9c11.pdf',
  'documents/2026/11/ho-so cua toi.pdf',
  '',
];

/** What every storage must do, whatever keeps the bytes. */
function describeStorageContract(name: string, storage: () => DocumentStorage): void {
  describe(`${name}: the storage contract`, () => {
    it('stores a streamed body, reads it back, sizes it and deletes it', async () => {
      const bytes = randomBytes(300_000);
      const key = newStorageKey('document', 'pdf', filedAt);
      await storage().put(key, chunked(bytes), { contentType: 'application/pdf' });
      expect(await storage().head(key)).toEqual({ sizeBytes: bytes.length });
      expect((await readAll(await storage().get(key))).equals(bytes)).toBe(true);
      await storage().delete(key);
      expect(await storage().head(key)).toBeNull();
      await expect(storage().get(key)).rejects.toBeInstanceOf(StorageNotFoundError);
    });

    it('streams a body of announced length, and replaces what a key held', async () => {
      const key = newStorageKey('packet', 'pdf', filedAt);
      await storage().put(key, chunked(randomBytes(1000)), { contentType: 'application/pdf', sizeBytes: 1000 });
      const second = randomBytes(200_000);
      await storage().put(key, chunked(second), { contentType: 'application/pdf', sizeBytes: second.length });
      expect(await storage().head(key)).toEqual({ sizeBytes: second.length });
      expect((await readAll(await storage().get(key))).equals(second)).toBe(true);
    });

    it('answers a missing key: get throws StorageNotFoundError, head is null, delete passes', async () => {
      const key = newStorageKey('document', 'png', filedAt);
      await expect(storage().get(key)).rejects.toBeInstanceOf(StorageNotFoundError);
      expect(await storage().head(key)).toBeNull();
      await expect(storage().delete(key)).resolves.toBeUndefined();
    });

    it('refuses a body longer or shorter than announced, and stores nothing', async () => {
      const longer = newStorageKey('document', 'pdf', filedAt);
      await expect(storage().put(longer, chunked(randomBytes(2000)), { contentType: 'application/pdf', sizeBytes: 1000 })).rejects.toBeInstanceOf(StorageSizeMismatchError);
      expect(await storage().head(longer)).toBeNull();
      const shorter = newStorageKey('document', 'pdf', filedAt);
      await expect(storage().put(shorter, chunked(randomBytes(500)), { contentType: 'application/pdf', sizeBytes: 1000 })).rejects.toBeInstanceOf(StorageSizeMismatchError);
      expect(await storage().head(shorter)).toBeNull();
    });

    it("passes a failing body's own error on and stores nothing, with or without a length", async () => {
      for (const sizeBytes of [undefined, 200_000]) {
        const key = newStorageKey('document', 'pdf', filedAt);
        await expect(storage().put(key, failingBody(), { contentType: 'application/pdf', sizeBytes })).rejects.toThrow('connection reset by the source');
        expect(await storage().head(key)).toBeNull();
      }
    });

    it('refuses crafted keys before touching anything', async () => {
      for (const key of craftedKeys) {
        await expect(storage().put(key, Readable.from([Buffer.from('x')]), { contentType: 'text/plain' })).rejects.toBeInstanceOf(InvalidStorageKeyError);
        await expect(storage().get(key)).rejects.toBeInstanceOf(InvalidStorageKeyError);
        await expect(storage().head(key)).rejects.toBeInstanceOf(InvalidStorageKeyError);
        await expect(storage().delete(key)).rejects.toBeInstanceOf(InvalidStorageKeyError);
      }
    });
  });
}

describe('newStorageKey', () => {
  it('makes <kind>s/<yyyy>/<mm>/<uuid>.<ext> keys and nothing else', () => {
    expect(newStorageKey('document', 'pdf', new Date('2026-11-03T10:00:00Z'))).toMatch(/^documents\/2026\/11\/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\.pdf$/);
    expect(newStorageKey('packet', 'docx', new Date('2027-01-31T23:59:59Z'))).toMatch(/^packets\/2027\/01\/[0-9a-f-]{36}\.docx$/);
    expect(newStorageKey('document', 'pdf', filedAt)).not.toBe(newStorageKey('document', 'pdf', filedAt));
    for (const extension of ['', 'p', 'PDF', 'pdf/../x', 'toolong']) {
      expect(() => newStorageKey('document', extension, filedAt)).toThrow(InvalidStorageKeyError);
    }
  });
});

const localRoot = { path: '' };
beforeAll(async () => {
  localRoot.path = await mkdtemp(path.join(tmpdir(), 'ocop-storage-'));
});
afterAll(async () => {
  await rm(localRoot.path, { recursive: true, force: true });
});

describeStorageContract('local directory', () => createLocalStorage({ root: path.join(localRoot.path, 'root') }));

describe('local directory', () => {
  const storage = () => createLocalStorage({ root: path.join(localRoot.path, 'root') });

  it('shows nothing under a key until the whole body is written', async () => {
    const key = newStorageKey('document', 'pdf', filedAt);
    const body = new PassThrough();
    const writing = storage().put(key, body, { contentType: 'application/pdf' });
    body.write(randomBytes(100_000));
    const directory = path.join(localRoot.path, 'root', ...key.split('/').slice(0, -1));
    const partial = await waitFor('the part file', async () => (existsSync(directory) ? (await readdir(directory)).find((entry) => entry.endsWith('.part')) : undefined));
    expect(partial.startsWith('.')).toBe(true);
    expect(await storage().head(key)).toBeNull();
    await expect(storage().get(key)).rejects.toBeInstanceOf(StorageNotFoundError);
    body.end(randomBytes(100_000));
    await writing;
    expect(await storage().head(key)).toEqual({ sizeBytes: 200_000 });
    expect((await readdir(directory)).filter((entry) => entry.startsWith('.'))).toEqual([]);
  });

  it('leaves no part file behind when the body fails', async () => {
    const key = newStorageKey('document', 'pdf', filedAt);
    await expect(storage().put(key, failingBody(), { contentType: 'application/pdf' })).rejects.toThrow('connection reset by the source');
    const directory = path.join(localRoot.path, 'root', ...key.split('/').slice(0, -1));
    expect((await readdir(directory)).filter((entry) => entry.endsWith('.part'))).toEqual([]);
  });

  it('keeps crafted keys inside the root', async () => {
    const canary = path.join(localRoot.path, 'outside.txt');
    await writeFile(canary, 'untouched');
    for (const key of ['../outside.txt', 'documents/2026/11/../../../../outside.txt']) {
      await expect(storage().delete(key)).rejects.toBeInstanceOf(InvalidStorageKeyError);
      await expect(storage().put(key, Readable.from([Buffer.from('overwritten')]), { contentType: 'text/plain' })).rejects.toBeInstanceOf(InvalidStorageKeyError);
    }
    expect(await readFile(canary, 'utf8')).toBe('untouched');
  });

  it('reports a root it cannot write to as unavailable', async () => {
    const file = path.join(localRoot.path, 'not-a-directory');
    await writeFile(file, '');
    const broken = createLocalStorage({ root: file });
    await expect(broken.put(newStorageKey('document', 'pdf', filedAt), Readable.from([Buffer.from('x')]), { contentType: 'application/pdf' })).rejects.toBeInstanceOf(StorageUnavailableError);
  });
});

const s3 = { endpoint: '', close: async () => {} };
beforeAll(async () => {
  Object.assign(s3, await startS3());
});
afterAll(async () => {
  await s3.close();
});
const s3Config = (overrides: Partial<S3StorageConfig> = {}): S3StorageConfig => ({ endpoint: s3.endpoint, region, bucket, accessKeyId, secretAccessKey, timeoutMs: 5000, ...overrides });

describeStorageContract('S3 (s3rver)', () => createS3Storage(s3Config()));

describe('S3 (s3rver)', () => {
  const leaksNothing = (error: unknown, ...secrets: string[]) => {
    const text = `${String(error)} ${error instanceof Error ? error.stack : ''} ${JSON.stringify(error)}`;
    for (const secret of secrets) expect(text).not.toContain(secret);
  };

  it('is refused with a wrong secret, and the error names neither key nor secret', async () => {
    const storage = createS3Storage(s3Config({ secretAccessKey: 'wrong-secret-4f1c9a' }));
    const key = newStorageKey('document', 'pdf', filedAt);
    const error = await storage.put(key, chunked(randomBytes(1000)), { contentType: 'application/pdf' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageAccessDeniedError);
    expect(error).toMatchObject({ code: 'SignatureDoesNotMatch' });
    leaksNothing(error, 'wrong-secret-4f1c9a', accessKeyId, 'Signature=');
    await expect(storage.head(key)).rejects.toBeInstanceOf(StorageAccessDeniedError);
    expect(await createS3Storage(s3Config()).head(key)).toBeNull();
  });

  it('is refused with an unknown key id, without naming it', async () => {
    const storage = createS3Storage(s3Config({ accessKeyId: 'UNKNOWN-KEY-ID-77', secretAccessKey: 'secret-of-unknown-77' }));
    const error = await storage.get(newStorageKey('document', 'pdf', filedAt)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageAccessDeniedError);
    expect(error).toMatchObject({ code: 'InvalidAccessKeyId' });
    leaksNothing(error, 'UNKNOWN-KEY-ID-77', 'secret-of-unknown-77');
  });

  it('reports a missing bucket and an unreachable endpoint as unavailable, without credentials', async () => {
    const missing = await createS3Storage(s3Config({ bucket: 'no-such-bucket' }))
      .put(newStorageKey('document', 'pdf', filedAt), chunked(randomBytes(10)), { contentType: 'application/pdf' })
      .catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(StorageUnavailableError);
    expect(missing).toMatchObject({ reason: 'NoSuchBucket', httpStatus: 404 });
    // Nothing listens on port 1: a real connection refusal.
    const unreachable = await createS3Storage(s3Config({ endpoint: 'http://127.0.0.1:1', secretAccessKey: 'unreachable-secret-3b' }))
      .get(newStorageKey('document', 'pdf', filedAt))
      .catch((e: unknown) => e);
    expect(unreachable).toBeInstanceOf(StorageUnavailableError);
    leaksNothing(unreachable, 'unreachable-secret-3b', accessKeyId);
  });

  it('refuses an endpoint with a path and a bucket name S3 would not accept', () => {
    expect(() => createS3Storage(s3Config({ endpoint: `${s3.endpoint}/prefix` }))).toThrow(RangeError);
    expect(() => createS3Storage(s3Config({ bucket: '../x' }))).toThrow(RangeError);
  });
});

describe('createDocumentStorage', () => {
  it('picks the directory or the bucket the configuration names', async () => {
    const key = newStorageKey('document', 'pdf', filedAt);
    const local = createDocumentStorage({ kind: 'local', root: path.join(localRoot.path, 'chosen') });
    await local.put(key, chunked(Buffer.from('%PDF-1.4 local')), { contentType: 'application/pdf' });
    expect(existsSync(path.join(localRoot.path, 'chosen', ...key.split('/')))).toBe(true);
    const bucketStorage = createDocumentStorage({ kind: 's3', ...s3Config() });
    expect(await bucketStorage.head(key)).toBeNull();
    await bucketStorage.put(key, chunked(Buffer.from('%PDF-1.4 s3')), { contentType: 'application/pdf' });
    expect((await readAll(await createS3Storage(s3Config()).get(key))).toString()).toBe('%PDF-1.4 s3');
  });
});
