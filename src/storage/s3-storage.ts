import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable, Transform, pipeline as pipelineStreams } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import aws4 from 'aws4';
import axios, { AxiosError, type AxiosResponse } from 'axios';
import { z } from 'zod';
import {
  StorageAccessDeniedError,
  StorageNotFoundError,
  StorageSizeMismatchError,
  StorageUnavailableError,
  assertStorageKey,
  type DocumentStorage,
} from './storage.js';

export interface S3StorageConfig {
  /** Origin of the service, e.g. `https://s3.ap-southeast-1.amazonaws.com` or `http://minio:9000`. */
  endpoint: string;
  region: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  /**
   * Longest wait for an answer's headers, counted from the start of the request: for an
   * upload it bounds sending the whole body too.
   */
  timeoutMs?: number;
}

// Room for a 25 MB upload at 200 KB/s.
const defaultTimeoutMs = 120_000;
const contentLength = z.coerce.number().int().nonnegative();
// An S3 error code is a short word; anything else in the answer is left unread.
const s3ErrorCode = /<Code>([A-Za-z]{1,64})<\/Code>/;
const errorBodyLimit = 16 * 1024;

/** Reads the start of an error answer for its S3 code; the rest is dropped. */
async function readErrorCode(body: Readable): Promise<string | undefined> {
  let text = '';
  try {
    for await (const chunk of body) {
      text += Buffer.from(chunk).toString('utf8');
      if (text.length >= errorBodyLimit) break;
    }
  } catch {
    // A broken error answer still has its status; the code is a nicety.
  } finally {
    body.destroy();
  }
  return s3ErrorCode.exec(text)?.[1];
}

/** Errors a body that turns out longer or shorter than the length already announced. */
function enforceLength(expectedBytes: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      seen += chunk.length;
      done(seen > expectedBytes ? new StorageSizeMismatchError(expectedBytes, seen) : null, chunk);
    },
    flush(done) {
      done(seen === expectedBytes ? null : new StorageSizeMismatchError(expectedBytes, seen));
    },
  });
}

/** Writes a body of unknown length to a temporary file, to learn the length S3 needs. */
async function bufferBody(body: Readable, key: string): Promise<{ directory: string; file: string; sizeBytes: number }> {
  let bodyError: unknown;
  body.on('error', (error) => {
    bodyError ??= error;
  });
  let directory: string | undefined;
  try {
    directory = await mkdtemp(path.join(tmpdir(), 'ocop-upload-'));
    const file = path.join(directory, 'body');
    await pipeline(body, createWriteStream(file));
    return { directory, file, sizeBytes: (await stat(file)).size };
  } catch {
    body.destroy();
    if (directory) await rm(directory, { recursive: true, force: true });
    throw bodyError ?? new StorageUnavailableError(`PUT ${key}`, 'could not buffer the body to a temporary file');
  }
}

/**
 * An S3-compatible bucket (AWS, MinIO, Ceph) over path-style URLs, signed with SigV4.
 * Uploads stream with a known length and an unsigned payload hash; a body of unknown
 * length is first written to a temporary file to learn it. Errors carry the operation,
 * the HTTP status and the S3 error code, never a credential, a header or a request.
 */
export function createS3Storage(config: S3StorageConfig): DocumentStorage {
  const endpoint = new URL(config.endpoint);
  if (!/^https?:$/.test(endpoint.protocol) || endpoint.pathname !== '/' || endpoint.search) {
    throw new RangeError('S3 endpoint must be an http(s) origin without a path');
  }
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(config.bucket)) throw new RangeError('S3 bucket name is not valid');
  const timeoutMs = config.timeoutMs ?? defaultTimeoutMs;
  // Redirects stay off: following one would need the body again and a new signature.
  const http = axios.create({ maxRedirects: 0, validateStatus: () => true, decompress: false });

  async function send(method: 'GET' | 'HEAD' | 'PUT' | 'DELETE', key: string, upload?: { body: Readable; contentType: string; sizeBytes: number }): Promise<AxiosResponse> {
    assertStorageKey(key);
    const objectPath = `/${config.bucket}/${key}`;
    const headers: Record<string, string> = {};
    if (upload) {
      headers['Content-Type'] = upload.contentType;
      headers['Content-Length'] = String(upload.sizeBytes);
      // The body streams once, so its hash cannot go into the signature before it is sent.
      headers['X-Amz-Content-Sha256'] = 'UNSIGNED-PAYLOAD';
    }
    const signed = aws4.sign(
      { method, host: endpoint.host, path: objectPath, service: 's3', region: config.region, headers },
      { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey },
    );
    const signedHeaders = Object.fromEntries(Object.entries(signed.headers ?? {}).map(([name, value]) => [name, String(value)]));
    try {
      return await http.request({
        method,
        url: `${endpoint.origin}${objectPath}`,
        headers: signedHeaders,
        data: upload?.body,
        responseType: 'stream',
        timeout: timeoutMs,
        maxBodyLength: Infinity,
      });
    } catch (error) {
      // Never pass the AxiosError on: its config holds the signed Authorization header.
      const reason = error instanceof AxiosError ? (error.code ?? 'network error') : 'unknown failure';
      throw new StorageUnavailableError(`${method} ${key}`, reason);
    }
  }

  function bodyOf(response: AxiosResponse): Readable {
    if (!(response.data instanceof Readable)) throw new StorageUnavailableError('read', 'answer has no body stream', response.status);
    return response.data;
  }

  async function failure(method: string, key: string, response: AxiosResponse): Promise<Error> {
    const code = await readErrorCode(bodyOf(response));
    const operation = `${method} ${key}`;
    if (response.status === 403) return new StorageAccessDeniedError(operation, code ?? 'AccessDenied');
    return new StorageUnavailableError(operation, code ?? `HTTP ${response.status}`, response.status);
  }

  async function upload(key: string, body: Readable, contentType: string, sizeBytes: number): Promise<void> {
    let bodyError: unknown;
    body.on('error', (error) => {
      bodyError ??= error;
    });
    const metered = enforceLength(sizeBytes);
    metered.on('error', (error) => {
      if (error instanceof StorageSizeMismatchError) bodyError ??= error;
    });
    // A failing body destroys `metered`, which aborts the request at once; the outcome
    // is read from the request below.
    pipelineStreams(body, metered, () => {});
    let response: AxiosResponse;
    try {
      response = await send('PUT', key, { body: metered, contentType, sizeBytes });
    } catch (error) {
      // A failing body makes the request fail too; the body's reason is the real one.
      throw bodyError ?? error;
    } finally {
      // The store may answer before reading everything (a refusal): stop sending.
      body.destroy();
      metered.destroy();
    }
    if (bodyError) throw bodyError;
    if (response.status < 200 || response.status >= 300) throw await failure('PUT', key, response);
    bodyOf(response).resume();
  }

  return {
    async put(key, body, { contentType, sizeBytes }) {
      assertStorageKey(key);
      if (sizeBytes !== undefined) return upload(key, body, contentType, sizeBytes);
      const buffered = await bufferBody(body, key);
      try {
        await upload(key, createReadStream(buffered.file), contentType, buffered.sizeBytes);
      } finally {
        await rm(buffered.directory, { recursive: true, force: true });
      }
    },

    async get(key) {
      const response = await send('GET', key);
      if (response.status === 200) return bodyOf(response);
      if (response.status === 404) {
        await readErrorCode(bodyOf(response));
        throw new StorageNotFoundError(key);
      }
      throw await failure('GET', key, response);
    },

    async head(key) {
      const response = await send('HEAD', key);
      if (response.status === 404) {
        bodyOf(response).destroy();
        return null;
      }
      if (response.status !== 200) throw await failure('HEAD', key, response);
      bodyOf(response).destroy();
      const size = contentLength.safeParse(response.headers['content-length']);
      if (!size.success) throw new StorageUnavailableError(`HEAD ${key}`, 'answer has no Content-Length', response.status);
      return { sizeBytes: size.data };
    },

    async delete(key) {
      const response = await send('DELETE', key);
      // S3 answers 204 for a missing object too; some compatible stores say 404.
      if (response.status === 404 || (response.status >= 200 && response.status < 300)) {
        bodyOf(response).resume();
        return;
      }
      throw await failure('DELETE', key, response);
    },
  };
}
