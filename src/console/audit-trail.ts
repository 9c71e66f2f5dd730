import type { NextFunction, Request, Response } from 'express';
import type { Database } from '../db/database.js';
import type { Logger } from '../observability/logger.js';

/** Who made a change: an official in their console session, or an admin API token. */
export interface Actor {
  kind: 'official' | 'api_token';
  id: bigint;
  name: string;
  sessionId?: bigint;
  provinceCode: string;
  communeCode: string | null;
}

/**
 * Records every change an official makes (every method but GET and HEAD) once its answer
 * is sent: who, when, the route and its ids, and the status it ended with, refusals
 * included. It runs after the answer rather than inside the change's transaction so that
 * one mechanism covers every route, refused ones too; a row that cannot be written is
 * logged as an error (the change itself stands). Bodies are never stored: they carry
 * personal IDs and files.
 */
export function auditTrail(deps: { db: Database; now: () => Date; logger: Logger; actorOf: (req: Request) => Actor | undefined; base: string }) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (req.method === 'GET' || req.method === 'HEAD') return next();
    const at = deps.now();
    res.on('finish', () => {
      const actor = deps.actorOf(req);
      if (!actor) return;
      // A request refused before its route ran (a bad form token) has no route pattern, and
      // one refused by its handler has lost its parameters by now: then the path's numeric
      // segments stand for the ids, as a route names them.
      const matched = typeof req.route?.path === 'string';
      const route = `${deps.base}${matched ? String(req.route.path) : req.path.replace(/\/\d{1,18}(?=\/|$)/g, '/:id')}`;
      const params = Object.entries(req.params ?? {}).map(([key, value]) => [key, String(value).slice(0, 100)] as const);
      const numbers = [...req.path.matchAll(/\/(\d{1,18})(?=\/|$)/g)].map((m, i) => [i === 0 ? 'id' : `id${i + 1}`, m[1] ?? ''] as const);
      const target = Object.fromEntries(params.length > 0 ? params : numbers);
      void recordAction(deps, actor, { at, method: req.method, route, target, status: res.statusCode, address: req.ip ?? null });
    });
    next();
  };
}

/**
 * Writes one row of the action log. Used by the trail above, and by the sign-in (a GET, as
 * a link from Zalo must be). A row that cannot be written is logged as an error.
 */
export async function recordAction(
  deps: { db: Database; logger: Logger },
  actor: Actor,
  action: { at: Date; method: string; route: string; target: Record<string, string>; status: number; address: string | null },
): Promise<void> {
  await deps.db.officialAction
    .create({
      data: {
        at: action.at,
        actorKind: actor.kind,
        actorId: actor.id,
        actorName: actor.name,
        sessionId: actor.sessionId ?? null,
        provinceCode: actor.provinceCode,
        communeCode: actor.communeCode,
        method: action.method,
        route: action.route,
        target: action.target,
        status: action.status,
        address: action.address,
      },
    })
    .catch((error: unknown) => deps.logger.error({ err: error, route: action.route, actor: `${actor.kind}:${actor.id}` }, 'an official action could not be recorded in the audit trail'));
}
