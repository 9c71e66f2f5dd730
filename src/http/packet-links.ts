import express, { type Request, type Response } from 'express';
import { authenticateApiToken } from '../admin/api-tokens.js';
import type { Database } from '../db/database.js';
import { adminTokenRecipient, verifyLink } from '../dossier/signed-links.js';
import type { DocumentStorage } from '../storage/storage.js';
import type { Logger } from '../observability/logger.js';
import { HttpError } from './http-error.js';
import { sendStoredFile } from '../storage/send-stored-file.js';

export interface PacketLinkDeps {
  db: Database;
  storage: DocumentStorage;
  secret: string;
  logger: Logger;
  now: () => Date;
}

/**
 * `GET /packets/:token` and `GET /documents/:token`: what a signed link names, to the
 * person it was issued to. Every use is recorded, served or refused. A link presented
 * with an admin token must have been issued to that token (by id).
 */
export function createPacketLinkRouter(deps: PacketLinkDeps): express.Router {
  const router = express.Router();

  /** Checks the link against who asks; refusals are recorded and answered 403. */
  async function admit(req: Request, kind: 'packet' | 'document') {
    const now = deps.now();
    const bearer = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '')?.[1];
    const scope = bearer ? await authenticateApiToken(deps.db, bearer, now) : null;
    if (bearer && !scope) throw new HttpError('unauthorized', 'the API token is not valid');
    // Without a token the link is a bearer credential (council members open it in Zalo's
    // browser, which has none); with one, it must have been issued to that token's id.
    const check = verifyLink(String(req.params.token ?? ''), deps.secret, now, { kind, ...(scope ? { requester: adminTokenRecipient(scope.tokenId) } : {}) });
    const record = (outcome: string, target: { packetId?: bigint; documentId?: bigint }, recipient: string | null) =>
      deps.db.packetAccess.create({ data: { packetId: target.packetId ?? null, documentId: target.documentId ?? null, recipient, outcome, at: now, address: req.ip ?? null } });
    if (!check.ok) {
      await record(check.reason, {}, null);
      throw new HttpError('forbidden', check.reason === 'expired' ? 'this link has expired; ask the council secretary for a new one' : 'this link is not valid for you');
    }
    return { id: BigInt(check.payload.id), recipient: check.payload.to, record };
  }

  router.get('/packets/:token', async (req: Request, res: Response) => {
    const { id, recipient, record } = await admit(req, 'packet');
    const packet = await deps.db.dossierPacket.findUnique({ where: { id } });
    if (!packet) {
      await record('not_found', {}, recipient);
      throw new HttpError('not_found', 'this packet no longer exists');
    }
    await record('served', { packetId: packet.id }, recipient);
    await sendStoredFile(res, deps.storage, packet.storageKey, { mediaType: 'application/pdf', sizeBytes: packet.sizeBytes, sha256: packet.sha256, fileName: `ho-so-${packet.dossierId}-v${packet.version}.pdf`, inline: true });
  });

  router.get('/documents/:token', async (req: Request, res: Response) => {
    const { id, recipient, record } = await admit(req, 'document');
    const document = await deps.db.dossierDocument.findUnique({ where: { id } });
    if (!document?.storageKey || !document.sha256 || document.sizeBytes === null || !document.mediaType) {
      await record('not_found', {}, recipient);
      throw new HttpError('not_found', 'this document is not stored');
    }
    await record('served', { documentId: document.id }, recipient);
    const extension = document.storageKey.split('.').pop() ?? 'bin';
    await sendStoredFile(res, deps.storage, document.storageKey, { mediaType: document.mediaType, sizeBytes: document.sizeBytes, sha256: document.sha256, fileName: `tai-lieu-${document.id}.${extension}`, inline: false });
  });

  return router;
}
