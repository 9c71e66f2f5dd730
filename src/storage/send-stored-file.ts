import { pipeline } from 'node:stream/promises';
import type { Response } from 'express';
import type { DocumentStorage } from './storage.js';

export interface StoredFileHeaders {
  mediaType: string;
  sizeBytes: number;
  sha256: string;
  /** generated names only: a sender's file name never reaches a header */
  fileName: string;
  /** shown in the browser rather than saved */
  inline: boolean;
}

/** Streams stored bytes as an answer, with their size and SHA-256, never cached by proxies. */
export async function sendStoredFile(res: Response, storage: DocumentStorage, storageKey: string, file: StoredFileHeaders): Promise<void> {
  const body = await storage.get(storageKey);
  res.status(200);
  res.setHeader('content-type', file.mediaType);
  res.setHeader('content-length', String(file.sizeBytes));
  res.setHeader('content-disposition', `${file.inline ? 'inline' : 'attachment'}; filename="${file.fileName}"`);
  res.setHeader('x-content-sha256', file.sha256);
  res.setHeader('cache-control', 'private, no-store');
  await pipeline(body, res);
}

/** Made for this answer (a report, minutes, a register): saved as `fileName`, never cached by proxies. */
export function sendDownload(res: Response, bytes: Uint8Array, file: { mediaType: string; fileName: string }): void {
  res.status(200);
  res.setHeader('content-type', file.mediaType);
  res.setHeader('content-length', String(bytes.byteLength));
  res.setHeader('content-disposition', `attachment; filename="${file.fileName}"`);
  res.setHeader('cache-control', 'private, no-store');
  res.end(bytes);
}
