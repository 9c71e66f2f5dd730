// The hidden payload of a reminder's "Nhắc lại sau" button: which notifications it defers.

const prefix = '#later:';

export function remindLaterCommand(notificationIds: readonly bigint[]): string {
  return `${prefix}${notificationIds.join(',')}`;
}

export function parseRemindLaterCommand(text: string): bigint[] | undefined {
  const match = /^#later:(\d{1,18}(?:,\d{1,18}){0,19})$/.exec(text.trim());
  return match ? (match[1] ?? '').split(',').map((id) => BigInt(id)) : undefined;
}
