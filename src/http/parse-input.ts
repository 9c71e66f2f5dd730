import type { z } from 'zod';
import { HttpError } from './http-error.js';

/** Parses one part of a request; a mismatch is a 400 listing each problem with its path. */
export function parseInput<T extends z.ZodType>(schema: T, value: unknown, part: 'body' | 'query' | 'params'): z.output<T> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((issue) => ({ path: [part, ...issue.path.map(String)].join('.'), message: issue.message }));
  throw new HttpError('bad_request', `invalid ${part}`, issues);
}
