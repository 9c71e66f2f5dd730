import { vietnamDateOf } from '../calendar/calendar-date.js';
import { workingDaysBetween } from '../calendar/working-days.js';
import { campaignDeadlineKind } from './kinds/campaign-deadline.js';
import { certificateReRankingKind } from './kinds/certificate-re-ranking.js';
import { certificateReRankingLateKind } from './kinds/certificate-re-ranking-late.js';
import { communeCutoffKind } from './kinds/commune-cutoff.js';
import { dossierCheckDueKind } from './kinds/dossier-check-due.js';
import { dossierMissingBeforeCutoffKind } from './kinds/dossier-missing-before-cutoff.js';
import { dossierMissingBeforeMeetingKind } from './kinds/dossier-missing-before-meeting.js';
import { dossierReturnedKind } from './kinds/dossier-returned.js';
import { evaluationResultKind } from './kinds/evaluation-result.js';
import { heldRepliesKind } from './kinds/held-replies.js';
import { ideaBusinessPlanPendingKind } from './kinds/idea-business-plan-pending.js';
import { ideaReturnedKind } from './kinds/idea-returned.js';
import { meetingAtRiskKind } from './kinds/meeting-at-risk.js';
import { meetingReminderKind } from './kinds/meeting-reminder.js';
import { meetingUnacknowledgedKind } from './kinds/meeting-unacknowledged.js';
import { provinceRoundCloseKind } from './kinds/province-round-close.js';
import { unreachableKind } from './kinds/unreachable.js';
import { uploadQuotaKind } from './kinds/upload-quota.js';
import { cancelled, open, today, type NotificationKind, type Reading } from './kinds/reading.js';
import { resolveRecipient } from './recipients.js';

export { missingItems, type NotificationKind, type ReadContext, type Reading } from './kinds/reading.js';

// Every kind a notification may have, each one file in kinds/ (what it says, read when it
// is sent) with its words in the locale files; planning (plan-notifications.ts) writes
// them by subject, one query for several kinds. An escalation reads the task it is about
// through this list, so it is written here.

/** Every kind a reminder may have: planning a kind that is not in the list does not compile. */
export type NotificationKindName = keyof typeof notificationKinds;

export const notificationKinds = {
  /** A producer whose dossier still misses required items before the commune's cut-off. */
  'dossier.missingBeforeCutoff': dossierMissingBeforeCutoffKind,
  'idea.businessPlanPending': ideaBusinessPlanPendingKind,
  'idea.returned': ideaReturnedKind,
  'dossier.returned': dossierReturnedKind,
  /** A producer whose dossier, on a meeting's list, was sent back for items: before the members must have it. */
  'dossier.missingBeforeMeeting': dossierMissingBeforeMeetingKind,
  /** A producer: the council's score and stars, and what follows from them under the rule set (its title in vars). */
  'evaluation.result': evaluationResultKind,
  /** The re-ranking window of a certificate: opens 180 days before expiry (26/2026), notice ≥ 30 days (148). */
  'certificate.reRanking': certificateReRankingKind,
  /** A certificate whose re-ranking window closed before the rule set: it stays valid once filed (Decision 26/2026, Art. 12.3). */
  'certificate.reRankingLate': certificateReRankingLateKind,
  /** A commune official with a submitted dossier to check within their 15 working days. */
  'dossier.checkDue': dossierCheckDueKind,
  /** A commune's officials before the cut-off: how many dossiers are incomplete or waiting. */
  'commune.cutoff': communeCutoffKind,
  /** The province unit and secretaries before a province round closes. */
  'province.roundClose': provinceRoundCloseKind,
  'campaign.deadline': campaignDeadlineKind,
  /** A council person: the working day before the meeting, and on its morning. */
  'meeting.reminder': meetingReminderKind,
  /** Secretaries and the province unit: the delivery deadline is near and not everyone has the dossiers. */
  'meeting.atRisk': meetingAtRiskKind,
  /** Secretaries, at the delivery deadline: members who have not confirmed receipt. */
  'meeting.unacknowledged': meetingUnacknowledgedKind,
  /** A task left undone past its deadline, one level up; open as long as the task is. */
  escalation: {
    routine: true,
    async read(ctx, n): Promise<Reading> {
      const parent = n.parentKey === null ? null : await ctx.tx.notification.findUnique({ where: { key: n.parentKey } });
      if (!parent || parent.state === 'cancelled') return cancelled;
      if (parent.kind === 'escalation' || !isNotificationKind(parent.kind)) return cancelled;
      const reading: Reading = await kindOf(parent.kind).read(ctx, parent);
      if (reading.state !== 'open') return reading;
      const person = await resolveRecipient(ctx.tx, { kind: parent.recipientKind, id: parent.recipientId });
      const overdue = parent.deadline ? workingDaysBetween(ctx.calendar, vietnamDateOf(parent.deadline), today(ctx)) : 0;
      return open(ctx.translate(ctx.locale, 'notify.escalation', { name: person?.name ?? '—', overdue: String(Math.max(overdue, 0)), task: reading.text }));
    },
  },
  /** Someone nobody could reach, told to an official with what it was about. */
  unreachable: unreachableKind,
  /** The province's administrators: the month's Zalo uploads have reached 80 % or 95 % of the quota. */
  uploadQuota: uploadQuotaKind,
  /** A person whose replies Zalo refused outside its window: write to the OA to receive them. */
  heldReplies: heldRepliesKind,
} satisfies Record<string, NotificationKind>;

/** A stored kind this version knows (rows keep the kind as text). */
export function isNotificationKind(name: string): name is NotificationKindName {
  return Object.hasOwn(notificationKinds, name);
}

export function kindOf(name: string): NotificationKind {
  if (!isNotificationKind(name)) throw new Error(`unknown notification kind ${name}`);
  const kinds: Record<NotificationKindName, NotificationKind> = notificationKinds;
  return kinds[name]!;
}
