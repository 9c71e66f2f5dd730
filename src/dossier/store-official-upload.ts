import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { detectFileType, FILE_HEAD_BYTES } from './detect-file-type.js';
import type { Form03Intake } from './review-dossier.js';
import { newStorageKey, type DocumentStorage } from '../storage/storage.js';

/**
 * Stores a document an official uploads through the admin API (the commune's Form 03):
 * only what prints in the packet — PDF, JPEG, PNG — recognised by its bytes.
 */
export function createOfficialUploadIntake(storage: DocumentStorage, now: () => Date): Form03Intake {
  return {
    async store(bytes) {
      const type = detectFileType(bytes.subarray(0, FILE_HEAD_BYTES));
      if (type.kind !== 'accepted' || !type.printable) return { ok: false, reason: 'only a PDF, JPEG or PNG file prints in the packet' };
      const storageKey = newStorageKey('document', type.extension, now());
      await storage.put(storageKey, Readable.from([Buffer.from(bytes)]), { contentType: type.mediaType, sizeBytes: bytes.byteLength });
      return { ok: true, storageKey, sha256: createHash('sha256').update(bytes).digest('hex'), sizeBytes: bytes.byteLength, mediaType: type.mediaType, printable: true };
    },
  };
}
