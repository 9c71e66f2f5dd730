import { Router, type Request, type Response } from 'express';
import { authenticateApiToken, type ApiTokenScope } from '../admin/api-tokens.js';
import { officialOperations } from '../admin/official-operations.js';
import { auditTrail } from '../console/audit-trail.js';
import type { EthnicGroups } from '../conversation/ethnic-groups.js';
import { councilOperations } from '../council/council-operations.js';
import type { MeetingRules } from '../council/schedule-meeting.js';
import type { Database } from '../db/database.js';
import type { AssembledPacket } from '../dossier/assemble-packet.js';
import { dossierOperations } from '../dossier/dossier-operations.js';
import type { Form03Intake } from '../dossier/review-dossier.js';
import type { Translate } from '../i18n/translator.js';
import { campaignDeadlineOperations } from '../notify/campaign-deadline-operations.js';
import { certifiedProductOperations } from '../notify/certified-product-operations.js';
import { notificationOperations } from '../notify/notification-operations.js';
import type { NotifyTiming } from '../notify/timing.js';
import type { Logger } from '../observability/logger.js';
import type { Checklist } from '../ocop/dossier-checklist.js';
import type { RuleSet } from '../ocop/rule-sets.js';
import type { Operation } from '../operations/operation.js';
import { ideaOperations } from '../registration/idea-operations.js';
import { buildAdminOpenApi } from './admin-openapi.js';
import { HttpError } from './http-error.js';
import { mountOperations } from './operation-router.js';

export interface AdminApiDeps {
  db: Database;
  translate: Translate;
  logger: Logger;
  now: () => Date;
  invitationTtlHours: number;
  /** Enqueues outbox rows; called after commit, and the sweep covers a failure. */
  enqueueOutbound: (ids: bigint[]) => Promise<void>;
  /** rules/ethnic-groups.yaml: a representative's ethnic group by name beside its code (code only without it). */
  ethnicGroups?: EthnicGroups;
  /** The dossier checklists (rules/dossier-checklists.yaml); the dossier routes answer 503 without them. */
  checklists?: readonly Checklist[];
  /** Stores the commune's Form 03; its upload answers 503 without it. */
  dossierIntake?: Form03Intake;
  /** The working calendar and provinces' settings, for scheduling meetings. */
  meetings?: MeetingRules;
  /** Sends a meeting's dossiers to its council; returns outbox ids. */
  distribute?: (meetingId: bigint) => Promise<bigint[]>;
  /** Builds a dossier's packet and signs links to it; the packet route answers 503 without it. */
  packets?: {
    assemble: (ideaId: bigint, actor: string) => Promise<AssembledPacket>;
    linkFor: (kind: 'packet' | 'document', id: bigint, recipient: string) => { url: string; expiresAt: Date };
  };
  /** Quiet hours and the working calendar: a snoozed notification never falls in quiet hours. */
  notifyTiming: NotifyTiming;
  /** The rule sets (rules/rule-sets.yaml); importing certified products answers 503 without them. */
  ruleSets?: readonly RuleSet[];
}

/** Every operation of /admin/v1, each from the feature that owns it. */
export function adminOperations(deps: AdminApiDeps): Operation[] {
  const optional = <K extends keyof AdminApiDeps>(key: K) => (deps[key] === undefined ? {} : { [key]: deps[key] });
  return [
    ...ideaOperations({ db: deps.db, translate: deps.translate, now: deps.now, enqueueOutbound: deps.enqueueOutbound, ...optional('ethnicGroups') }),
    ...dossierOperations({ db: deps.db, translate: deps.translate, now: deps.now, enqueueOutbound: deps.enqueueOutbound, ...optional('checklists'), ...optional('dossierIntake'), ...optional('packets') }),
    ...officialOperations({ db: deps.db, now: deps.now, invitationTtlHours: deps.invitationTtlHours }),
    ...councilOperations({
      db: deps.db,
      now: deps.now,
      invitationTtlHours: deps.invitationTtlHours,
      translate: deps.translate,
      enqueueOutbound: deps.enqueueOutbound,
      ...optional('meetings'),
      ...optional('distribute'),
      ...(deps.meetings && deps.ruleSets ? { evaluation: { ruleSets: deps.ruleSets, settingsFor: deps.meetings.settingsFor } } : {}),
    }),
    ...notificationOperations({ db: deps.db, now: deps.now, notifyTiming: deps.notifyTiming }),
    ...campaignDeadlineOperations({ db: deps.db, now: deps.now }),
    ...certifiedProductOperations({ db: deps.db, now: deps.now, ...optional('ruleSets') }),
  ];
}

/**
 * The officials' JSON API under /admin/v1. Every route needs `Authorization: Bearer
 * <token>`; the token's role and region decide what it sees, each operation which roles
 * may call it.
 */
export function createAdminApiRouter(deps: AdminApiDeps): Router {
  const router = Router();
  const scopes = new WeakMap<Request, ApiTokenScope>();
  // Every change made with a token is written to the audit trail once answered.
  router.use(
    auditTrail({
      db: deps.db,
      now: deps.now,
      logger: deps.logger,
      base: '/admin/v1',
      actorOf: (req) => {
        const scope = scopes.get(req);
        return scope ? { kind: 'api_token', id: scope.tokenId, name: scope.name, provinceCode: scope.provinceCode, communeCode: scope.communeCode ?? null } : undefined;
      },
    }),
  );

  router.use(async (req: Request, res: Response, next) => {
    const presented = /^Bearer +(\S+) *$/i.exec(req.get('authorization') ?? '')?.[1];
    const scope = presented ? await authenticateApiToken(deps.db, presented, deps.now()) : null;
    if (!scope) {
      res.set('www-authenticate', 'Bearer');
      throw new HttpError('unauthorized', 'a valid API token is required: Authorization: Bearer <token>');
    }
    scopes.set(req, scope);
    next();
  });

  function scopeOf(req: Request): ApiTokenScope {
    const scope = scopes.get(req);
    if (!scope) throw new Error('admin route reached without a token scope');
    return scope;
  }

  const operations = adminOperations(deps);
  mountOperations(router, operations, scopeOf, deps.logger);

  // Behind the token like every route here: the description maps where officials' data lives.
  const description = buildAdminOpenApi(operations);
  router.get('/openapi.json', (_req: Request, res: Response) => {
    res.json(description);
  });

  return router;
}
