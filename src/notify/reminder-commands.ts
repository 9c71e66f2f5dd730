// The hidden payload of a reminder's "Nhắc lại sau" button: which notifications it defers.

const prefix = '#later:';

export function remindLaterCommand(notificationIds: readonly bigint[]): string {
  return `${prefix}${notificationIds.join(',')}`;
}

export function parseRemindLaterCommand(text: string): bigint[] | undefined {
  const match = /^#later:(\d{1,18}(?:,\d{1,18}){0,19})$/.exec(text.trim());
  return match ? (match[1] ?? '').split(',').map((id) => BigInt(id)) : undefined;
}

/** The "Nhắc lại sau" tap, as the conversation routes it to `remindLater`. */
export const remindLaterCodec = {
  action: 'remindLater',
  parse: (text: string) => {
    const ids = parseRemindLaterCommand(text);
    return ids === undefined ? undefined : { notificationIds: ids.join(',') };
  },
};
