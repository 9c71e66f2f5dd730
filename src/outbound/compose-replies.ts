import type { OutgoingMessage } from './outgoing-message.js';

/** Zalo refuses a consultation text longer than this. */
export const maxTextLength = 2000;

function splitText(text: string, limit: number): string[] {
  const parts: string[] = [];
  let rest = text;
  while (rest.length > limit) {
    // Cut at a line break if one is reasonably far in, else at a space, else anywhere.
    const window = rest.slice(0, limit);
    const line = window.lastIndexOf('\n');
    const space = window.lastIndexOf(' ');
    const cut = line > limit / 2 ? line : space > limit / 2 ? space : limit;
    parts.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).trimStart();
  }
  if (rest.length > 0) parts.push(rest);
  return parts;
}

/**
 * The replies of one turn as they should reach a phone: consecutive texts joined into one
 * message where they fit (fewer pings, fewer sends against Zalo's rate limit), and texts
 * over Zalo's limit split at line breaks, buttons kept on the last part.
 */
export function composeReplies(messages: readonly OutgoingMessage[], limit = maxTextLength): OutgoingMessage[] {
  const merged: OutgoingMessage[] = [];
  for (const message of messages) {
    const previous = merged.at(-1);
    if (message.kind === 'text' && previous?.kind === 'text' && !previous.buttons && previous.text.length + 2 + message.text.length <= limit) {
      merged[merged.length - 1] = { ...message, text: `${previous.text}\n\n${message.text}` };
      continue;
    }
    merged.push(message);
  }
  return merged.flatMap((message) => {
    if (message.kind !== 'text' || message.text.length <= limit) return [message];
    const parts = splitText(message.text, limit);
    return parts.map((text, i) => (i === parts.length - 1 && message.buttons ? { kind: 'text' as const, text, buttons: message.buttons } : { kind: 'text' as const, text }));
  });
}
