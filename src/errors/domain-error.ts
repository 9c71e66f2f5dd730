// Domain errors: each carries a code; this one table maps a code to the HTTP status the
// admin API answers with (and its message, where the API words it otherwise) and, through
// the locale files (error.<code>), to the words an official or a member reads. A route
// never sorts errors by class: the app's error handler and the console read the table.

export type ErrorStatus = 'bad_request' | 'forbidden' | 'not_found' | 'conflict' | 'unsupported_media_type' | 'unprocessable' | 'unavailable';

/** Where an input problem is (relative to the request body or form) and what is wrong. */
export interface ErrorIssue {
  path: string;
  message: string;
  /** for a file or list imported row by row: the line (or the row's position from 1) */
  line?: number;
  /** the path names a place in an uploaded file (`line 3`), not in the request body */
  inFile?: true;
}

export const errorTable = {
  'idea.notFound': { status: 'not_found', message: 'no such idea' },
  'idea.notSubmitted': { status: 'conflict' },
  'dossier.notFound': { status: 'not_found', message: 'this idea has no dossier yet' },
  'dossier.incomplete': { status: 'conflict' },
  'dossier.alreadyChecked': { status: 'conflict' },
  'dossier.itemsNotReturnable': { status: 'bad_request', message: 'invalid body' },
  'dossier.empty': { status: 'not_found', message: 'this idea has no stored document to put in a packet' },
  'dossier.changed': { status: 'conflict', message: 'the dossier changed while its packet was built; ask again' },
  'region.invalid': { status: 'bad_request' },
  'campaign.inPast': { status: 'bad_request', message: 'invalid body' },
  'campaign.commune': { status: 'bad_request', message: 'invalid body' },
  'campaign.notFound': { status: 'not_found', message: 'no such campaign deadline' },
  'campaign.cancelled': { status: 'conflict' },
  'campaign.notOwned': { status: 'forbidden' },
  'council.personUnknown': { status: 'bad_request' },
  'council.personTwice': { status: 'bad_request' },
  'meeting.notFound': { status: 'not_found', message: 'no such meeting' },
  'meeting.tooSoon': { status: 'conflict' },
  'meeting.productsNotReady': { status: 'bad_request' },
  'results.meetingNotHeld': { status: 'conflict' },
  'results.input': { status: 'bad_request' },
  'results.noQuorum': { status: 'conflict' },
  'results.scoreSpread': { status: 'conflict' },
  'results.alreadyRecorded': { status: 'conflict' },
  'scoring.notOpen': { status: 'conflict' },
  'scoring.closed': { status: 'conflict' },
  'scoring.notMember': { status: 'forbidden' },
  'scoring.noSheet': { status: 'conflict' },
  'scoring.alreadySubmitted': { status: 'conflict' },
  'scoring.answers': { status: 'bad_request' },
  'message.notFailed': { status: 'conflict' },
  'message.inDoubt': { status: 'conflict' },
  'recognition.input': { status: 'bad_request' },
  'recognition.recorded': { status: 'conflict' },
  'council.notFound': { status: 'not_found', message: 'no such council' },
  'councilPerson.notFound': { status: 'not_found', message: 'no such person' },
  'official.notFound': { status: 'not_found', message: 'no such official' },
  'official.outsideRegion': { status: 'bad_request' },
  'notification.notFound': { status: 'not_found', message: 'no such notification' },
  'notification.closed': { status: 'conflict' },
  'notification.snoozeInPast': { status: 'bad_request', message: 'invalid body' },
  'upload.empty': { status: 'bad_request' },
  'upload.refused': { status: 'unsupported_media_type' },
  'import.rows': { status: 'unprocessable' },
  'service.unavailable': { status: 'unavailable' },
} as const satisfies Record<string, { status: ErrorStatus; message?: string }>;

export type DomainErrorCode = keyof typeof errorTable;

/** An error the domain names: refused input or a state that forbids the change, never a fault. */
export abstract class DomainError extends Error {
  abstract readonly code: DomainErrorCode;
  /** problems with named parts of the input, when the error has them */
  inputIssues(): ErrorIssue[] | undefined {
    return undefined;
  }
}

/** The locale key of an error's words (locales/*.json, vi and en). */
export function errorWords(error: DomainError): string {
  return `error.${error.code}`;
}

/**
 * A refusal named only by its code: for the operations whose refusal needs no values of
 * its own beyond a message (and, for input, where the problems are).
 */
export class Refusal extends DomainError {
  override name = 'Refusal';
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    private readonly issues?: ErrorIssue[],
  ) {
    super(message);
  }

  override inputIssues(): ErrorIssue[] | undefined {
    return this.issues;
  }
}
