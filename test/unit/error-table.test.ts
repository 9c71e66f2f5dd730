import { describe, expect, it } from 'vitest';
import { ScoreSpreadError } from '../../src/council/evaluation-results.js';
import { MeetingNotFoundError } from '../../src/council/schedule-meeting.js';
import { DossierItemsNotReturnableError } from '../../src/dossier/review-dossier.js';
import { errorTable, errorWords } from '../../src/errors/domain-error.js';
import { toHttpError } from '../../src/http/http-error.js';
import { dictionaries } from '../helpers/conversation-harness.js';

// One table for the domain's refusals: each code has its HTTP status and its words in both
// languages, and the app's error handler answers any domain error from it.

describe('the error table', () => {
  it('words every code in Vietnamese and English', () => {
    for (const code of Object.keys(errorTable)) {
      expect(dictionaries.vi[`error.${code}`], `error.${code} in vi`).toBeTruthy();
      expect(dictionaries.en[`error.${code}`], `error.${code} in en`).toBeTruthy();
    }
  });

  it('answers a domain error with its status, the API’s message, and its input issues under body', () => {
    const missing = toHttpError(new MeetingNotFoundError('meeting 9'));
    expect([missing.status, missing.code, missing.message]).toEqual([404, 'not_found', 'no such meeting']);
    const spread = toHttpError(new ScoreSpreadError(10, [{ index: 1, productIdeaId: 7n, lowest: 54, highest: 66 }]));
    expect(spread.status).toBe(409);
    expect(spread.issues).toEqual([{ path: 'body.products.1.scores', message: 'idea 7: scores from 54 to 66, more than 10 points apart' }]);
    const items = toHttpError(new DossierItemsNotReturnableError([{ index: 0, item: 'form03' }]));
    expect([items.status, items.message, items.issues]).toEqual([400, 'invalid body', [{ path: 'body.items.0.item', message: 'form03 is not an item the producer sends for this dossier' }]]);
    expect(errorWords(new MeetingNotFoundError('x'))).toBe('error.meeting.notFound');
  });
});
