import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, open, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  StorageNotFoundError,
  StorageSizeMismatchError,
  StorageUnavailableError,
  assertStorageKey,
  type DocumentStorage,
} from './storage.js';

function errorCode(error: unknown): string | undefined {
  return error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
}

function unavailable(operation: string, error: unknown): StorageUnavailableError {
  return new StorageUnavailableError(operation, errorCode(error) ?? (error instanceof Error ? error.message : 'unknown failure'));
}

/**
 * Documents as files under `root`. Keys are checked against one strict shape before they
 * become paths, so no key can name a file outside `root`.
 */
export function createLocalStorage(options: { root: string }): DocumentStorage {
  const root = path.resolve(options.root);

  function pathOf(key: string): string {
    assertStorageKey(key);
    return path.join(root, ...key.split('/'));
  }

  return {
    async put(key, body: Readable, { sizeBytes }) {
      const target = pathOf(key);
      const directory = path.dirname(target);
      // Same directory, so the rename is atomic; the dot name never matches a key.
      const temporary = path.join(directory, `.${randomUUID()}.part`);
      let bodyError: unknown;
      body.on('error', (error) => {
        bodyError ??= error;
      });
      let sink: WriteStream | undefined;
      try {
        await mkdir(directory, { recursive: true });
        sink = createWriteStream(temporary, { flags: 'wx' });
        await pipeline(body, sink);
        const written = await open(temporary, 'r');
        try {
          // Flushed before the rename, so a crash never leaves a short file under the key.
          await written.sync();
          const { size } = await written.stat();
          if (sizeBytes !== undefined && size !== sizeBytes) throw new StorageSizeMismatchError(sizeBytes, size);
        } finally {
          await written.close();
        }
        await rename(temporary, target);
      } catch (error) {
        // `put` owns the body: whatever failed, it is not left half read.
        body.destroy();
        // The file may still be opening when the body fails: wait until it is closed, or
        // the unlink would run first and the open would then create an empty part file.
        if (sink && !sink.closed) {
          sink.destroy();
          await once(sink, 'close').catch(() => undefined);
        }
        // Best effort: the failure that got us here is the one worth reporting.
        await unlink(temporary).catch(() => undefined);
        // The body's own failure goes back unchanged: the caller knows what it means.
        if (error === bodyError || error instanceof StorageSizeMismatchError) throw error;
        throw unavailable(`put ${key}`, error);
      }
    },

    async get(key) {
      const file = pathOf(key);
      try {
        // Opened before returning, so a missing file is a typed error here and not a
        // stream error later; the open descriptor also survives a concurrent delete.
        const handle = await open(file, 'r');
        return handle.createReadStream();
      } catch (error) {
        if (errorCode(error) === 'ENOENT') throw new StorageNotFoundError(key);
        throw unavailable(`get ${key}`, error);
      }
    },

    async head(key) {
      const file = pathOf(key);
      try {
        const info = await stat(file);
        return info.isFile() ? { sizeBytes: info.size } : null;
      } catch (error) {
        if (errorCode(error) === 'ENOENT') return null;
        throw unavailable(`head ${key}`, error);
      }
    },

    async delete(key) {
      const file = pathOf(key);
      try {
        await unlink(file);
      } catch (error) {
        if (errorCode(error) !== 'ENOENT') throw unavailable(`delete ${key}`, error);
      }
    },
  };
}
