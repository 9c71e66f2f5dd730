// Which Zalo channel can reach a person now. Zalo accepts a consultation message only
// within 7 days of the person's last interaction with the OA; outside that window an
// approved template message by user id, else ZNS to their phone; else nothing can.

/** Zalo lets an OA send consultation messages this long after the person last wrote. */
export const messagingWindowMs = 7 * 24 * 3600_000;

export type Channel = { kind: 'cs' | 'template' | 'zns'; recipient: string } | { kind: 'none' };

export interface Reachability {
  zaloUserId: string | null;
  /** 84… */
  phone: string | null;
  lastInteractionAt: Date | null;
}

export interface FallbackTemplates {
  templateId: string | undefined;
  znsTemplateId: string | undefined;
}

export function chooseChannel(person: Reachability, templates: FallbackTemplates, now: Date): Channel {
  const inWindow = person.lastInteractionAt !== null && now.getTime() - person.lastInteractionAt.getTime() < messagingWindowMs;
  if (person.zaloUserId && inWindow) return { kind: 'cs', recipient: person.zaloUserId };
  if (person.zaloUserId && templates.templateId) return { kind: 'template', recipient: person.zaloUserId };
  if (person.phone && templates.znsTemplateId) return { kind: 'zns', recipient: person.phone };
  return { kind: 'none' };
}
