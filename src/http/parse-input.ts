import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { z } from 'zod';
import type { Logger } from '../observability/logger.js';
import { HttpError, type HttpIssue } from './http-error.js';

/** Parses one part of a request; a mismatch is a 400 listing each problem with its path. */
export function parseInput<T extends z.ZodType>(schema: T, value: unknown, part: 'body' | 'query' | 'params'): z.output<T> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((issue) => ({ path: [part, ...issue.path.map(String)].join('.'), message: issue.message }));
  throw new HttpError('bad_request', `invalid ${part}`, issues);
}

const maxTextIssues = 10;
// In JSON these arrive only as escapes ("\u0000", "\ud800"), which zod's strings admit.
const nul = /\u0000/;
const loneSurrogate = /\p{Surrogate}/u;

/** Why Postgres would refuse to store this text, if it would. */
function whyUnstorable(text: string): string | undefined {
  if (nul.test(text)) return 'contains a NUL character (\\u0000), which cannot be stored';
  if (loneSurrogate.test(text)) return 'contains a lone UTF-16 surrogate (half of a character), which cannot be stored';
  return undefined;
}

/** A place in the body, its path built only when a problem is found there. */
interface Place {
  key: string;
  parent?: Place;
}

function pathOf(place: Place): string {
  const keys: string[] = [];
  for (let at: Place | undefined = place; at; at = at.parent) keys.push(at.key);
  return keys.reverse().join('.');
}

/** Every string and key of a parsed JSON body that Postgres would refuse, up to a few. */
function findUnstorableText(body: unknown): HttpIssue[] {
  const issues: HttpIssue[] = [];
  // Walked without recursion: 64 kB of "[" nests deeper than the call stack goes.
  const pending: { value: unknown; place: Place }[] = [{ value: body, place: { key: 'body' } }];
  for (let next = pending.pop(); next && issues.length < maxTextIssues; next = pending.pop()) {
    const { value, place } = next;
    if (typeof value === 'string') {
      const problem = whyUnstorable(value);
      if (problem) issues.push({ path: pathOf(place), message: problem });
    } else if (typeof value === 'object' && value !== null) {
      const children: { value: unknown; place: Place }[] = [];
      for (const [key, item] of Object.entries(value)) {
        const problem = whyUnstorable(key);
        if (problem) issues.push({ path: pathOf(place), message: `a key ${problem}` });
        else if (typeof item === 'string' || (typeof item === 'object' && item !== null)) children.push({ value: item, place: { key, parent: place } });
      }
      // Reversed onto the stack, so problems are reported in the body's order; one at a
      // time, as a spread of a long array overflows the call stack.
      for (const child of children.reverse()) pending.push(child);
    }
  }
  return issues.slice(0, maxTextIssues);
}

/**
 * The JSON body parser of /admin/v1. A NUL or a lone surrogate anywhere in the body is
 * refused with a 400 naming where, before a handler runs: Postgres refuses both, and
 * what it refuses would otherwise surface as a 500 halfway through a write.
 */
export function parseJsonBody(limit: string): RequestHandler[] {
  const refuseUnstorableText = (req: Request, _res: Response, next: NextFunction) => {
    const issues = findUnstorableText(req.body);
    if (issues.length > 0) {
      (req as Request & { log?: Logger }).log?.warn({ status: 400, reason: 'unstorable text', problems: issues.length }, 'request refused');
      throw new HttpError('bad_request', 'invalid body', issues);
    }
    next();
  };
  return [express.json({ limit }), refuseUnstorableText];
}
