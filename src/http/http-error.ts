// One error type for HTTP answers; the table decides the status, the handler the body.
import { z } from 'zod';
import { DomainError, errorTable, type ErrorStatus } from '../errors/domain-error.js';

const statusOf = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  unprocessable: 422,
  unavailable: 503,
  internal: 500,
} as const;

export type HttpErrorCode = keyof typeof statusOf;

/** One problem with a request's input, for the caller to fix: where, and what is wrong. */
export interface HttpIssue {
  path: string;
  message: string;
  /** the line of an imported file, or the row's position from 1 */
  line?: number;
}

export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly code: HttpErrorCode,
    message: string,
    readonly issues?: HttpIssue[],
  ) {
    super(message);
  }

  get status(): number {
    return statusOf[this.code];
  }
}

const codeOfStatus = new Map<number, HttpErrorCode>(Object.entries(statusOf).map(([code, status]) => [status, code as HttpErrorCode]));

// Our own words for what a parser refused: their messages may quote the caller's input.
const messageOfType: Record<string, string> = {
  'entity.too.large': 'body too large',
  'entity.parse.failed': 'unreadable body',
  'request.aborted': 'unreadable body',
  'charset.unsupported': 'unsupported charset',
  'encoding.unsupported': 'unsupported content encoding',
};

// What http-errors puts on an error: a status, and `type` (body-parser) or `expose` (raw-body, send).
const refusalFields = z.looseObject({
  status: z.number().optional(),
  statusCode: z.number().optional(),
  type: z.string().optional(),
  expose: z.boolean().optional(),
});

/**
 * The 4xx a body parser or the router gave up with, if that is what the error is: an
 * http-errors object, or the URIError the router throws for a path that does not decode.
 * Other errors' statuses are not the caller's doing (an upstream's 404 is our 500).
 */
function readRefusal(error: unknown): { status: number; type?: string } | undefined {
  const fields = refusalFields.safeParse(error);
  if (fields.success && (fields.data.type !== undefined || fields.data.expose === true)) {
    const status = fields.data.status ?? fields.data.statusCode;
    if (status !== undefined && status >= 400 && status <= 499) return { status, ...(fields.data.type !== undefined ? { type: fields.data.type } : {}) };
  }
  return error instanceof URIError ? { status: 400 } : undefined;
}

/** Maps errors thrown by body parsers, the router and handlers to an HttpError; unknown ones are internal. */
export function toHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  // The domain's refusals, by the one table of codes (errors/domain-error.ts).
  if (error instanceof DomainError) {
    const entry: { status: ErrorStatus; message?: string } = errorTable[error.code];
    const issues = error.inputIssues()?.map((i) => ({ path: i.inFile ? i.path : `body.${i.path}`, message: i.message, ...(i.line !== undefined ? { line: i.line } : {}) }));
    return new HttpError(entry.status, entry.message ?? error.message, issues);
  }
  const refusal = readRefusal(error);
  if (!refusal) return new HttpError('internal', 'internal error');
  const message = refusal.type !== undefined ? messageOfType[refusal.type] : error instanceof URIError ? 'the path is not valid percent-encoding' : undefined;
  // A 4xx without a row of its own (411, 416, …) is still the caller's to fix.
  return new HttpError(codeOfStatus.get(refusal.status) ?? 'bad_request', message ?? 'the request cannot be read');
}
