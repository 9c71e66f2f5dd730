import { createLocalStorage } from './local-storage.js';
import { createS3Storage, type S3StorageConfig } from './s3-storage.js';
import type { DocumentStorage } from './storage.js';

export type DocumentStorageConfig = { kind: 'local'; root: string } | ({ kind: 's3' } & S3StorageConfig);

/** The storage the configuration names: a directory on this machine, or a bucket. */
export function createDocumentStorage(config: DocumentStorageConfig): DocumentStorage {
  return config.kind === 'local' ? createLocalStorage({ root: config.root }) : createS3Storage(config);
}
