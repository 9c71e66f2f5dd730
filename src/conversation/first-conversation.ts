import type { Locale, Translate } from '../i18n/translator.js';
import type { OutgoingMessage } from '../outbound/outgoing-message.js';
import { toMatchKey } from './normalize-input.js';

export type TurnInput = { kind: 'follow' } | { kind: 'text'; text: string } | { kind: 'other' };

export interface TurnResult {
  messages: OutgoingMessage[];
  /** Set when the user chose another language. */
  locale?: Locale;
}

const menuItems = ['idea', 'dossier', 'status', 'official'] as const;

function menuMessage(t: Translate, locale: Locale): OutgoingMessage {
  // oa.query.show echoes the payload as the user's own text, so the payload is the
  // visible title: tapping and typing the same words lead to the same place.
  const buttons = [...menuItems.map((item) => `menu.button.${item}`), 'menu.button.language'].map((key) => {
    const title = t(locale, key);
    return { title, action: { kind: 'reply' as const, payload: title } };
  });
  return { kind: 'text', text: t(locale, 'menu.prompt'), buttons };
}

function languageRequested(matchKey: string): Locale | undefined {
  if (matchKey === 'english' || matchKey === 'tieng anh') return 'en';
  if (matchKey === 'tieng viet' || matchKey === 'vietnamese') return 'vi';
  return undefined;
}

/**
 * The first conversation: a greeting on follow, the menu for anything else, and the
 * language switch. Pure: the caller stores the result.
 */
export function respondToTurn(input: TurnInput, locale: Locale, t: Translate): TurnResult {
  if (input.kind === 'follow') {
    return { messages: [{ kind: 'text', text: t(locale, 'menu.greeting') }, menuMessage(t, locale)] };
  }
  if (input.kind === 'text') {
    const key = toMatchKey(input.text);
    const chosen = languageRequested(key);
    if (chosen) {
      return { locale: chosen, messages: [{ kind: 'text', text: t(chosen, 'common.languageChanged') }, menuMessage(t, chosen)] };
    }
    const item = menuItems.find((name) => ['vi', 'en'].some((l) => toMatchKey(t(l as Locale, `menu.button.${name}`)) === key));
    if (item) {
      return {
        messages: [{ kind: 'text', text: t(locale, 'menu.comingSoon', { item: t(locale, `menu.button.${item}`) }) }, menuMessage(t, locale)],
      };
    }
  }
  return { messages: [menuMessage(t, locale)] };
}
