import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import axios, { AxiosError } from 'axios';
import { z } from 'zod';
import { FILE_HEAD_BYTES, detectFileType, type AcceptedFileType } from './detect-file-type.js';
import { newStorageKey, type DocumentStorage } from '../storage/storage.js';

export const DEFAULT_DOWNLOAD_MAX_BYTES = 25 * 1024 * 1024;
const DEFAULT_DOWNLOAD_TIMEOUT_MS = 15_000;
const DEFAULT_DOWNLOAD_DEADLINE_MS = 120_000;
const DEFAULT_DOWNLOAD_MAX_REDIRECTS = 3;

export interface DownloadAttachmentInput {
  url: string;
  storage: DocumentStorage;
  /** names the month the stored copy is filed under */
  now: Date;
  /** Larger bodies are cut off as soon as they pass the limit, whatever Content-Length says. */
  maxBytes?: number;
  /** Longest wait for the connection and headers of each hop, then for each piece of the body. */
  timeoutMs?: number;
  /** The whole download, first byte of the request to last byte of the body. */
  deadlineMs?: number;
  maxRedirects?: number;
  /**
   * Hosts the URL and every redirect may name; `dlfl.vn` admits `dlfl.vn` and any
   * `*.dlfl.vn`. Absent: any host. Production passes Zalo's CDNs from configuration.
   */
  allowedHosts?: readonly string[];
}

export type DownloadFailure =
  | { ok: false; reason: 'too_large'; limitBytes: number }
  | { ok: false; reason: 'http_error'; status: number }
  /** Not http(s), a host outside `allowedHosts`, or a redirect to one. */
  | { ok: false; reason: 'refused_url' }
  | { ok: false; reason: 'unsupported' | 'timeout' | 'unreachable' };

export type DownloadResult = { ok: true; storageKey: string; sizeBytes: number; sha256: string; type: AcceptedFileType } | DownloadFailure;

const contentLength = z.coerce.number().int().nonnegative();
const redirectStatuses = new Set([301, 302, 303, 307, 308]);

function isAllowedUrl(url: URL, allowedHosts: readonly string[] | undefined): boolean {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  if (allowedHosts === undefined) return true;
  const host = url.hostname.toLowerCase();
  return allowedHosts.some((allowed) => {
    const entry = allowed.toLowerCase();
    return host === entry || host.endsWith(`.${entry}`);
  });
}

function parseUrl(text: string, base?: URL): URL | undefined {
  try {
    return new URL(text, base);
  } catch {
    return undefined;
  }
}

function checkLimit(name: string, value: number, least: number): number {
  if (!Number.isSafeInteger(value) || value < least) throw new RangeError(`${name} must be an integer of at least ${least}`);
  return value;
}

/**
 * Fetches a user's attachment right away (Zalo's URLs have no documented lifetime) and
 * stores it under a fresh key. The type is read from the first bytes before anything is
 * stored; a refused type stores nothing, and a failure after the upload began removes
 * what was written. Expected failures come back as a result; only a storage failure
 * (the job should run again) or a programming error throws.
 */
export async function downloadAttachment(input: DownloadAttachmentInput): Promise<DownloadResult> {
  const maxBytes = checkLimit('maxBytes', input.maxBytes ?? DEFAULT_DOWNLOAD_MAX_BYTES, 1);
  const timeoutMs = checkLimit('timeoutMs', input.timeoutMs ?? DEFAULT_DOWNLOAD_TIMEOUT_MS, 1);
  const deadlineMs = checkLimit('deadlineMs', input.deadlineMs ?? DEFAULT_DOWNLOAD_DEADLINE_MS, 1);
  const maxRedirects = checkLimit('maxRedirects', input.maxRedirects ?? DEFAULT_DOWNLOAD_MAX_REDIRECTS, 0);

  const controller = new AbortController();
  let body: Readable | undefined;
  // The first reason to stop wins; later errors are consequences of stopping.
  let stopped: DownloadFailure | undefined;
  function stop(failure: DownloadFailure): void {
    stopped ??= failure;
    controller.abort();
    body?.destroy(new Error(`download stopped: ${failure.reason}`));
  }
  const deadline = setTimeout(() => stop({ ok: false, reason: 'timeout' }), deadlineMs);
  // Runs only while waiting for the next piece of the body: axios times the connection
  // and the headers, and a slow store is bounded by the deadline, not taken for a stall.
  let idle: NodeJS.Timeout | undefined;
  function startIdleTimer(): void {
    idle = setTimeout(() => stop({ ok: false, reason: 'timeout' }), timeoutMs);
  }
  function stopTimers(): void {
    clearTimeout(deadline);
    clearTimeout(idle);
  }

  try {
    let url = parseUrl(input.url);
    let declaredBytes: number | undefined;
    for (let redirects = 0; ; redirects += 1) {
      if (!url || !isAllowedUrl(url, input.allowedHosts)) return { ok: false, reason: 'refused_url' };
      let response;
      try {
        response = await axios.request({
          method: 'GET',
          url: url.href,
          responseType: 'stream',
          // Each hop is checked here against the scheme and the allowed hosts.
          maxRedirects: 0,
          timeout: timeoutMs,
          signal: controller.signal,
          validateStatus: () => true,
        });
      } catch (error) {
        if (stopped) return stopped;
        const timedOut = error instanceof AxiosError && (error.code === AxiosError.ECONNABORTED || error.code === AxiosError.ETIMEDOUT);
        return { ok: false, reason: timedOut ? 'timeout' : 'unreachable' };
      }
      if (!(response.data instanceof Readable)) throw new TypeError('axios gave no stream for responseType "stream"');
      body = response.data;
      // stop() destroys the body with an error; readers see it, and none may crash the process.
      body.on('error', () => undefined);
      const location = response.headers['location'];
      if (redirectStatuses.has(response.status) && typeof location === 'string') {
        body.destroy();
        if (redirects >= maxRedirects) return { ok: false, reason: 'http_error', status: response.status };
        url = parseUrl(location, url);
        continue;
      }
      if (response.status < 200 || response.status >= 300) {
        body.destroy();
        return { ok: false, reason: 'http_error', status: response.status };
      }
      const declared = contentLength.safeParse(response.headers['content-length']);
      if (declared.success) declaredBytes = declared.data;
      break;
    }
    // Content-Length only refuses early, when the server admits the size. What decides is
    // the count below: of unpacked bytes, as axios undoes gzip, so a small gzip cannot
    // unpack past the limit.
    if (declaredBytes !== undefined && declaredBytes > maxBytes) return { ok: false, reason: 'too_large', limitBytes: maxBytes };

    const source = body;
    const hash = createHash('sha256');
    let sizeBytes = 0;
    let sourceFailed = false;
    async function* meter(): AsyncGenerator<Buffer> {
      try {
        startIdleTimer();
        for await (const chunk of source) {
          clearTimeout(idle);
          const piece = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
          sizeBytes += piece.length;
          if (sizeBytes > maxBytes) {
            stop({ ok: false, reason: 'too_large', limitBytes: maxBytes });
            throw new Error('download stopped: too_large');
          }
          hash.update(piece);
          yield piece;
          startIdleTimer();
        }
      } catch (error) {
        sourceFailed = true;
        throw error;
      } finally {
        stopTimers();
      }
    }

    const pieces = meter();
    const headPieces: Buffer[] = [];
    let headLength = 0;
    try {
      while (headLength < FILE_HEAD_BYTES) {
        const next = await pieces.next();
        if (next.done) break;
        headPieces.push(next.value);
        headLength += next.value.length;
      }
    } catch {
      return stopped ?? { ok: false, reason: 'unreachable' };
    }
    const head = Buffer.concat(headPieces);
    const type = detectFileType(head.subarray(0, FILE_HEAD_BYTES));
    if (type.kind === 'refused') return { ok: false, reason: 'unsupported' };

    async function* wholeBody(): AsyncGenerator<Buffer> {
      yield head;
      yield* pieces;
    }
    const storageKey = newStorageKey('document', type.extension, input.now);
    try {
      await input.storage.put(storageKey, Readable.from(wholeBody()), { contentType: type.mediaType });
    } catch (error) {
      // `put` stores nothing on failure; the delete covers a store that kept a part anyway.
      await input.storage.delete(storageKey).catch(() => undefined);
      if (stopped) return stopped;
      if (sourceFailed) return { ok: false, reason: 'unreachable' };
      throw error;
    }
    return { ok: true, storageKey, sizeBytes, sha256: hash.digest('hex'), type };
  } finally {
    stopTimers();
    body?.destroy();
  }
}
