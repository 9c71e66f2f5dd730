// One error type for HTTP answers; the table decides the status, the handler the body.

const statusOf = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  unavailable: 503,
  internal: 500,
} as const;

export type HttpErrorCode = keyof typeof statusOf;

/** One problem with a request's input, for the caller to fix: where, and what is wrong. */
export interface HttpIssue {
  path: string;
  message: string;
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

/** Maps errors thrown by body parsers and handlers to an HttpError; unknown ones are internal. */
export function toHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  const type = typeof error === 'object' && error !== null && 'type' in error ? (error as { type: unknown }).type : undefined;
  if (type === 'entity.too.large') return new HttpError('payload_too_large', 'body too large');
  if (type === 'entity.parse.failed' || type === 'encoding.unsupported' || type === 'request.aborted') return new HttpError('bad_request', 'unreadable body');
  return new HttpError('internal', 'internal error');
}
