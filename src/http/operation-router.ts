import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { Refusal } from '../errors/domain-error.js';
import type { Caller, FileAnswer, Operation } from '../operations/operation.js';
import type { Logger } from '../observability/logger.js';
import { sendDownload } from '../storage/send-stored-file.js';
import { HttpError } from './http-error.js';
import { parseInput, parseJsonBody } from './parse-input.js';

// Turns operations (operations/operation.ts) into routes: the role check before the body
// is read, the body's parser, the input parsed with the operation's own schemas, and the
// answer. Errors go to the app's handler, which answers every domain error from its table.

const defaultJsonLimit = '64kb';

function refuseRole(operation: Operation, callerOf: (req: Request) => Caller) {
  return (req: Request, _res: Response, next: NextFunction) => {
    if (!operation.roles.includes(callerOf(req).role)) throw new HttpError('forbidden', operation.refusal ?? 'this token may not do this');
    next();
  };
}

/** The body's own parsers, for operations that take something else than 64 kB of JSON. */
function bodyParsers(operation: Operation) {
  const { file } = operation;
  if (!file) return operation.jsonLimit ? parseJsonBody(operation.jsonLimit) : [];
  const types = [...(operation.body ? ['application/json'] : []), ...file.types];
  const refuseType = (req: Request, _res: Response, next: NextFunction) => {
    // Refused before the body is read: megabytes of the wrong thing are not worth receiving.
    if (!req.is(types)) throw new HttpError('unsupported_media_type', `send ${types.join(' or ')}`);
    next();
  };
  return [refuseType, ...(operation.body ? parseJsonBody(operation.jsonLimit ?? file.limit) : []), express.raw({ type: [...file.types], limit: file.limit })];
}

function handler(operation: Operation, callerOf: (req: Request) => Caller, logger: Logger) {
  return async (req: Request, res: Response) => {
    const asFile = operation.file !== undefined && !req.is('application/json');
    const bytes: unknown = req.body;
    if (asFile && (!Buffer.isBuffer(bytes) || bytes.length === 0)) throw new Refusal('upload.empty', 'the body is empty: send the file itself');
    const answer = await operation.handle({
      caller: callerOf(req),
      params: operation.params ? parseInput(operation.params, req.params, 'params') : undefined,
      query: operation.query ? parseInput(operation.query, req.query, 'query') : undefined,
      body: operation.body && !asFile ? parseInput(operation.body, req.body, 'body') : undefined,
      file: asFile && Buffer.isBuffer(bytes) ? bytes : undefined,
      log: (req as Request & { log?: Logger }).log ?? logger,
    });
    if ('mediaType' in operation.answer) {
      const file = answer as FileAnswer;
      sendDownload(res, file.bytes, { mediaType: operation.answer.mediaType, fileName: file.fileName });
      return;
    }
    res.status(operation.answer.status).json(answer);
  };
}

/**
 * Mounts `operations` on `router`, whose earlier middleware has authenticated the caller.
 * Those with a body of their own (a file, a larger list) go before the router's 64 kB JSON
 * parser, which the rest share.
 */
export function mountOperations(router: Router, operations: readonly Operation[], callerOf: (req: Request) => Caller, logger: Logger): void {
  const own = operations.filter((operation) => operation.file !== undefined || operation.jsonLimit !== undefined);
  const shared = operations.filter((operation) => !own.includes(operation));
  for (const operation of own) router[operation.method](operation.path, refuseRole(operation, callerOf), ...bodyParsers(operation), handler(operation, callerOf, logger));
  router.use(parseJsonBody(defaultJsonLimit));
  for (const operation of shared) router[operation.method](operation.path, refuseRole(operation, callerOf), handler(operation, callerOf, logger));
}
