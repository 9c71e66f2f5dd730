import { pipeline } from 'node:stream/promises';
import express, { type Request, type Response } from 'express';
import { authenticateApiToken } from '../admin/api-tokens.js';
import type { Database } from '../db/database.js';
import { verifyLink } from '../dossier/signed-links.js';
import type { DocumentStorage } from '../dossier/storage.js';
import type { Logger } from '../observability/logger.js';
import { HttpError } from './http-error.js';

export interface PacketLinkDeps {
  db: Database;
  storage: DocumentStorage;
  secret: string;
  logger: Logger;
  now: () => Date;
}

/**
 * `GET /packets/:token`: the packet a signed link names, to the person it was issued to.
 * Every use is recorded, served or refused. A link presented with an admin token must
 * have been issued to that token.
 */
export function createPacketLinkRouter(deps: PacketLinkDeps): express.Router {
  const router = express.Router();
  router.get('/packets/:token', async (req: Request, res: Response) => {
    const now = deps.now();
    const bearer = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '')?.[1];
    const scope = bearer ? await authenticateApiToken(deps.db, bearer, now) : null;
    if (bearer && !scope) throw new HttpError('unauthorized', 'the API token is not valid');
    const token = String(req.params.token ?? '');
    const check = verifyLink(token, deps.secret, now, { kind: 'packet', ...(scope ? { requester: `admin:${scope.name}` } : {}) });
    const record = (outcome: string, packetId: bigint | null, recipient: string | null) =>
      deps.db.packetAccess.create({ data: { packetId, recipient, outcome, at: now, address: req.ip ?? null } });
    if (!check.ok) {
      await record(check.reason, null, null);
      throw new HttpError('forbidden', check.reason === 'expired' ? 'this link has expired; ask the council secretary for a new one' : 'this link is not valid for you');
    }
    const packet = await deps.db.dossierPacket.findUnique({ where: { id: BigInt(check.payload.id) } });
    if (!packet) {
      await record('not_found', null, check.payload.to);
      throw new HttpError('not_found', 'this packet no longer exists');
    }
    await record('served', packet.id, check.payload.to);
    const body = await deps.storage.get(packet.storageKey);
    res.status(200);
    res.setHeader('content-type', 'application/pdf');
    res.setHeader('content-length', String(packet.sizeBytes));
    res.setHeader('content-disposition', `inline; filename="ho-so-${packet.dossierId}-v${packet.version}.pdf"`);
    res.setHeader('x-content-sha256', packet.sha256);
    res.setHeader('cache-control', 'private, no-store');
    await pipeline(body, res);
  });
  return router;
}
