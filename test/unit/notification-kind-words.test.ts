import { describe, expect, it } from 'vitest';
import { notificationKinds } from '../../src/notify/notification-kinds.js';
import { dictionaries } from '../helpers/conversation-harness.js';

// The console's reminders page names every kind in words: a kind without them would make
// the page fail for every official of the region.

describe('reminder kinds in the console', () => {
  it('has words for every kind, in Vietnamese and English', () => {
    for (const kind of Object.keys(notificationKinds)) {
      expect(dictionaries.vi[`console.reminders.kind.${kind}`], `console.reminders.kind.${kind} in vi`).toBeTruthy();
      expect(dictionaries.en[`console.reminders.kind.${kind}`], `console.reminders.kind.${kind} in en`).toBeTruthy();
    }
  });
});
