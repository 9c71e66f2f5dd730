// Each error class has one meaning. None of them carries a token, a request config or headers.

/** Zalo answered, and said no: HTTP 200 with a negative `error`. */
export class ZaloApiError extends Error {
  override name = 'ZaloApiError';
  constructor(
    readonly code: number,
    readonly zaloMessage: string,
    readonly endpoint: string,
  ) {
    super(`Zalo ${endpoint} answered error ${code}: ${zaloMessage}`);
  }
}

/** The request did not get a usable answer: network failure, timeout, or a non-2xx status. */
export class ZaloTransportError extends Error {
  override name = 'ZaloTransportError';
  constructor(
    readonly endpoint: string,
    readonly reason: string,
    readonly httpStatus?: number,
  ) {
    super(`Zalo ${endpoint} unreachable: ${reason}`);
  }
}

/** The OA's token pair could not be obtained or renewed. */
export class ZaloAuthError extends Error {
  override name = 'ZaloAuthError';
  constructor(reason: string) {
    super(`Zalo token unavailable: ${reason}`);
  }
}

export const zaloErrorCodes = {
  rateLimited: -32,
  attachmentExpired: -100,
  badParameter: -201,
  outOfQuota: -211,
  notFollower: -213,
  accessTokenInvalid: -216,
  recipientQuotaExceeded: -218,
  accessTokenExpired: -220,
  userInactive: -227,
  noInteraction7Days: -230,
  interactionExpired: -232,
} as const;

export type ZaloErrorName = keyof typeof zaloErrorCodes;

/** The name of a code Zalo answers with, when it is one the bot knows. */
export function zaloErrorName(code: number): ZaloErrorName | undefined {
  return (Object.keys(zaloErrorCodes) as ZaloErrorName[]).find((name) => zaloErrorCodes[name] === code);
}

const outsideWindowCodes = new Set<number>([zaloErrorCodes.notFollower, zaloErrorCodes.userInactive, zaloErrorCodes.noInteraction7Days, zaloErrorCodes.interactionExpired]);

/**
 * Zalo refused a consultation message because of where the person stands with the OA (not
 * a follower, inactive, no interaction for 7 days): it can go once they write again.
 */
export function isOutsideWindowRefusal(error: unknown): error is ZaloApiError {
  return error instanceof ZaloApiError && outsideWindowCodes.has(error.code);
}

const tokenRejectionCodes = new Set<number>([zaloErrorCodes.accessTokenInvalid, zaloErrorCodes.accessTokenExpired]);

export function isTokenRejection(error: unknown): error is ZaloApiError {
  return error instanceof ZaloApiError && tokenRejectionCodes.has(error.code);
}

/**
 * Whether sending again later may succeed. Network trouble, 5xx and rate limiting pass;
 * a token still refused after a refresh may be a passing OAuth outage. Every other
 * negative code (-213 not a follower, -230/-232 outside the window, -201 …) is final.
 */
export function isRetryableZaloError(error: unknown): boolean {
  if (error instanceof ZaloTransportError) return error.httpStatus === undefined || error.httpStatus >= 500 || error.httpStatus === 429;
  if (error instanceof ZaloAuthError) return true;
  if (error instanceof ZaloApiError) return error.code === zaloErrorCodes.rateLimited || tokenRejectionCodes.has(error.code);
  return false;
}
