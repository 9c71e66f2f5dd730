import { describe, expect, it } from 'vitest';
import { HttpError, toHttpError } from '../../src/http/http-error.js';

/** An error as http-errors builds it: an Error with its status and marks as own fields. */
function parserError(fields: Record<string, unknown>): Error {
  return Object.assign(new Error('Unexpected token } in JSON at position 7: {"name":}'), fields);
}

describe('toHttpError', () => {
  it.each([
    ['a body too large', { status: 413, statusCode: 413, type: 'entity.too.large', expose: true }, 413, 'payload_too_large', 'body too large'],
    ['unreadable JSON', { status: 400, statusCode: 400, type: 'entity.parse.failed', expose: true }, 400, 'bad_request', 'unreadable body'],
    ['an unsupported charset', { status: 415, type: 'charset.unsupported' }, 415, 'unsupported_media_type', 'unsupported charset'],
    ['an unsupported encoding', { statusCode: 415, type: 'encoding.unsupported' }, 415, 'unsupported_media_type', 'unsupported content encoding'],
    ['a body that does not inflate', { status: 400, statusCode: 400, expose: true, code: 'Z_DATA_ERROR' }, 400, 'bad_request', 'the request cannot be read'],
    ['a 4xx without a row of its own', { status: 416, type: 'range.not.satisfiable' }, 400, 'bad_request', 'the request cannot be read'],
  ])('maps %s to its 4xx in our own words', (_name, fields, status, code, message) => {
    const mapped = toHttpError(parserError(fields));
    expect([mapped.status, mapped.code, mapped.message]).toEqual([status, code, message]);
  });

  it('maps the URIError of a path that does not decode to 400 without quoting the path', () => {
    const mapped = toHttpError(Object.assign(new URIError("Failed to decode param '%ff'"), { status: 400 }));
    expect([mapped.status, mapped.code]).toEqual([400, 'bad_request']);
    expect(mapped.message).not.toContain('%ff');
  });

  it.each([
    ['an upstream answer’s status, unmarked', Object.assign(new Error('Request failed with status code 404'), { status: 404 })],
    ['a 5xx, even marked', parserError({ status: 500, type: 'stream.encoding.set' })],
    ['a status that is not a number', parserError({ status: '400', type: 'entity.parse.failed' })],
    ['a plain error', new Error('boom')],
    ['a thrown string', 'boom'],
  ])('keeps %s internal', (_name, error) => {
    expect(toHttpError(error)).toMatchObject({ status: 500, code: 'internal', message: 'internal error' });
  });

  it('returns an HttpError as it is', () => {
    const error = new HttpError('conflict', 'changed meanwhile');
    expect(toHttpError(error)).toBe(error);
  });
});
