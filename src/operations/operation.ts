import type { z } from 'zod';
import type { DomainErrorCode } from '../errors/domain-error.js';
import type { Logger } from '../observability/logger.js';
import type { RegionScope } from '../officials/region-scope.js';

// An operation of the officials' API as data: what it takes (zod schemas), what it answers
// (a zod schema, or a file), who may call it, the domain errors it can raise, and its
// handler. Each feature folder exports its own; http/operation-router.ts turns the list
// into routes and into the OpenAPI document, so neither is written twice.

/** Who calls: an API token's id and name, and the role and region it answers for. */
export type Caller = RegionScope & { tokenId: bigint; name: string };
export type CallerRole = Caller['role'];

/** Any token of the region may call it: reads. */
export const anyCaller = { roles: ['province', 'commune', 'secretary'] } as const;
/** Decisions on ideas, dossiers, officials and deadlines are the region's officials'. */
export const officialsOnly = {
  roles: ['province', 'commune'],
  refusal: 'a council secretary token manages meetings and their results and reads ideas and dossiers only',
} as const;

type Schema = z.ZodType | undefined;
type Parsed<S extends Schema> = S extends z.ZodType ? z.output<S> : undefined;

/** A body sent as the bare file (a scan, a CSV): checked by type before a byte is read. */
export interface FileBody {
  types: readonly string[];
  /** as the body parsers write it: '25mb' */
  limit: string;
  description: string;
}

/** A file the operation answers with instead of JSON. */
export interface FileAnswer {
  bytes: Uint8Array;
  fileName: string;
}

export interface OperationInput<P extends Schema, Q extends Schema, B extends Schema> {
  caller: Caller;
  params: Parsed<P>;
  query: Parsed<Q>;
  /** the JSON body, parsed; for an operation that also takes a file, set only when `file` is not */
  body: Parsed<B>;
  /** the bytes of a body sent as a file (see `file`) */
  file: Buffer | undefined;
  log: Logger;
}

interface OperationShape<P extends Schema, Q extends Schema, B extends Schema> {
  /** OpenAPI's operationId */
  id: string;
  method: 'get' | 'post' | 'patch';
  /** Express notation, below /admin/v1: '/ideas/:id/accept' */
  path: string;
  tag: string;
  summary: string;
  description?: string;
  /** The roles that may call it; anyone else gets 403 with `refusal`, before the body is read. */
  roles: readonly CallerRole[];
  refusal?: string;
  params?: P;
  /** What each path parameter names, for the document. */
  paramsDescription?: Record<string, string>;
  query?: Q;
  /** What each query parameter means, for the document. */
  queryDescription?: Record<string, string>;
  /** A JSON body; the JSON parser's limit is `jsonLimit` (64 kB unless said). */
  body?: B;
  jsonLimit?: string;
  file?: FileBody;
  /** The refusals the handler can raise, by the error table's codes. */
  errors: readonly DomainErrorCode[];
}

export type JsonOperation<P extends Schema, Q extends Schema, B extends Schema, O extends z.ZodType> = OperationShape<P, Q, B> & {
  answer: { status: 200 | 201; schema: O; description: string };
  handle(input: OperationInput<P, Q, B>): Promise<z.input<O>>;
};

export type FileOperation<P extends Schema, Q extends Schema, B extends Schema> = OperationShape<P, Q, B> & {
  answer: { mediaType: string; description: string };
  handle(input: OperationInput<P, Q, B>): Promise<FileAnswer>;
};

/** An operation with its types erased, as the router and the document read it. */
export type Operation = OperationShape<Schema, Schema, Schema> & {
  answer: { status: 200 | 201; schema: z.ZodType; description: string } | { mediaType: string; description: string };
  handle(input: OperationInput<Schema, Schema, Schema>): Promise<unknown>;
};

/**
 * Checks an operation's handler against its own schemas, then erases the types so that
 * a feature's operations form one list. The router parses every input with these same
 * schemas before the handler runs, which is what makes the erasure sound.
 */
export function defineOperation<P extends Schema = undefined, Q extends Schema = undefined, B extends Schema = undefined, O extends z.ZodType = z.ZodType>(
  operation: JsonOperation<P, Q, B, O>,
): Operation {
  return operation as unknown as Operation;
}

/** As `defineOperation`, for an operation that answers with a file. */
export function defineFileOperation<P extends Schema = undefined, Q extends Schema = undefined, B extends Schema = undefined>(operation: FileOperation<P, Q, B>): Operation {
  return operation as unknown as Operation;
}
