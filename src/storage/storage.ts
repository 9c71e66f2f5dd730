import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';

/**
 * Where documents and packets are kept: a directory or an S3-compatible bucket. Keys come
 * from `newStorageKey` only; a user's file name is never part of a key or a path.
 */
export interface DocumentStorage {
  /**
   * Stores `body` under `key`, replacing what was there. Nothing is visible under the key
   * until the whole body is stored; if `body` fails, `put` rejects with the body's own
   * error and stores nothing.
   * `sizeBytes`, when known, lets the bytes stream straight through; a body of another
   * length is refused. `contentType` is kept by stores that serve it (S3); callers keep
   * their own record of it too.
   */
  put(key: string, body: Readable, options: { contentType: string; sizeBytes?: number }): Promise<void>;
  /** The stored bytes; `StorageNotFoundError` when there are none. */
  get(key: string): Promise<Readable>;
  head(key: string): Promise<{ sizeBytes: number } | null>;
  /** Removes the object; removing a missing one is not an error, so cleanups can repeat. */
  delete(key: string): Promise<void>;
}

/** `documents/2026/11/<uuid>.pdf`: the only shape a key may have. */
const storageKeyPattern = /^[a-z]+\/\d{4}\/\d{2}\/[0-9a-f-]{36}\.[a-z0-9]{2,5}$/;

/** A key not made by `newStorageKey`: a programming error, or an attempt to leave the store. */
export class InvalidStorageKeyError extends Error {
  override name = 'InvalidStorageKeyError';
  constructor() {
    // The key itself is left out: it may be anything, including a path meant to escape.
    super('storage key does not have the shape <kind>/<yyyy>/<mm>/<uuid>.<ext>');
  }
}

export class StorageNotFoundError extends Error {
  override name = 'StorageNotFoundError';
  constructor(readonly key: string) {
    super(`nothing is stored under ${key}`);
  }
}

/** The store refused our credentials or signature (S3 403). Retrying will not help. */
export class StorageAccessDeniedError extends Error {
  override name = 'StorageAccessDeniedError';
  constructor(
    readonly operation: string,
    readonly code: string,
  ) {
    super(`storage refused ${operation}: ${code}`);
  }
}

/** The store could not be reached or failed (network, timeout, 5xx, disk): may pass. */
export class StorageUnavailableError extends Error {
  override name = 'StorageUnavailableError';
  constructor(
    readonly operation: string,
    readonly reason: string,
    readonly httpStatus?: number,
  ) {
    super(`storage failed ${operation}: ${reason}`);
  }
}

/** The body of a `put` was longer or shorter than the `sizeBytes` announced. */
export class StorageSizeMismatchError extends Error {
  override name = 'StorageSizeMismatchError';
  constructor(
    readonly expectedBytes: number,
    readonly actualBytes: number,
  ) {
    super(`body has ${actualBytes} bytes, ${expectedBytes} were announced`);
  }
}

export function assertStorageKey(key: string): void {
  if (!storageKeyPattern.test(key)) throw new InvalidStorageKeyError();
}

/** A fresh key, grouped by month (UTC) so a bucket or directory stays browsable. */
export function newStorageKey(kind: 'document' | 'packet', extension: string, now: Date): string {
  const month = String(now.getUTCMonth() + 1).padStart(2, '0');
  const key = `${kind}s/${now.getUTCFullYear()}/${month}/${randomUUID()}.${extension}`;
  assertStorageKey(key);
  return key;
}
