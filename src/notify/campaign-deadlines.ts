import { vietnamDateOf, type CalendarDate } from '../calendar/calendar-date.js';
import type { Transaction } from '../db/database.js';
import type { CampaignDeadline, OfficialRole, Prisma } from '../db/generated/client.js';
import type { RegionScope } from '../officials/region-scope.js';
import { DomainError } from '../errors/domain-error.js';

// Deadlines officials set for their region ("báo cáo 6 tháng trước 20/6"). The planner
// turns each into reminders for the officials of its audience; cancelling one cancels the
// reminders not sent yet.

export interface CampaignDeadlineInput {
  title: string;
  dueDate: CalendarDate;
  audience: readonly OfficialRole[];
  remindWorkingDaysBefore: readonly number[];
  /** one commune only; a commune scope's deadlines are always its commune's */
  communeCode?: string | undefined;
}

export class CampaignDeadlineInPastError extends DomainError {
  override name = 'CampaignDeadlineInPastError';
  readonly code = 'campaign.inPast';
  constructor(readonly today: CalendarDate) {
    super(`the due date is before today (${today}, Vietnam)`);
  }

  override inputIssues() {
    return [{ path: 'dueDate', message: this.message }];
  }
}

/** A commune the scope may not set deadlines for, or one that does not exist. */
export class CampaignDeadlineCommuneError extends DomainError {
  override name = 'CampaignDeadlineCommuneError';
  readonly code = 'campaign.commune';

  override inputIssues() {
    return [{ path: 'communeCode', message: this.message }];
  }
}

export class CampaignDeadlineNotFoundError extends DomainError {
  override name = 'CampaignDeadlineNotFoundError';
  readonly code = 'campaign.notFound';
}

export class CampaignDeadlineCancelledError extends DomainError {
  override name = 'CampaignDeadlineCancelledError';
  readonly code = 'campaign.cancelled';
}

/** A commune scope may read a province-wide deadline, but only the province may cancel it. */
export class CampaignDeadlineNotOwnedError extends DomainError {
  override name = 'CampaignDeadlineNotOwnedError';
  readonly code = 'campaign.notOwned';
}

/** A commune sees its own deadlines and the province's that concern every commune. */
export function campaignDeadlineRegion(region: RegionScope): Prisma.CampaignDeadlineWhereInput {
  if (region.role !== 'commune') return { provinceCode: region.provinceCode };
  return { provinceCode: region.provinceCode, OR: [{ communeCode: region.communeCode }, { communeCode: null }] };
}

async function communeFor(tx: Transaction, region: RegionScope, communeCode: string | undefined): Promise<string | null> {
  if (region.role === 'commune') {
    if (communeCode !== undefined && communeCode !== region.communeCode) throw new CampaignDeadlineCommuneError(`a commune token sets deadlines for commune ${region.communeCode} only`);
    return region.communeCode;
  }
  if (communeCode === undefined) return null;
  const unit = await tx.administrativeUnit.findUnique({ where: { communeCode }, select: { provinceCode: true } });
  if (unit?.provinceCode !== region.provinceCode) throw new CampaignDeadlineCommuneError(`commune ${communeCode} is not in province ${region.provinceCode}`);
  return communeCode;
}

/** Records a deadline of the scope's region; today (Vietnam) is the earliest due date. */
export async function createCampaignDeadline(
  tx: Transaction,
  input: CampaignDeadlineInput & { region: RegionScope; createdBy: string; now: Date },
): Promise<CampaignDeadline> {
  const today = vietnamDateOf(input.now);
  if (input.dueDate < today) throw new CampaignDeadlineInPastError(today);
  const communeCode = await communeFor(tx, input.region, input.communeCode);
  return tx.campaignDeadline.create({
    data: {
      provinceCode: input.region.provinceCode,
      communeCode,
      title: input.title,
      dueDate: input.dueDate,
      audience: [...new Set(input.audience)],
      // Earliest reminder first, each once.
      remindWorkingDaysBefore: [...new Set(input.remindWorkingDaysBefore)].sort((a, b) => b - a),
      createdBy: input.createdBy,
      createdAt: input.now,
    },
  });
}

/** The region's deadlines, the latest set first. */
export function listCampaignDeadlines(db: Transaction, region: RegionScope): Promise<CampaignDeadline[]> {
  return db.campaignDeadline.findMany({ where: campaignDeadlineRegion(region), orderBy: { id: 'desc' } });
}

/** Cancels a deadline and its reminders still planned; returns it and how many reminders were cancelled. */
export async function cancelCampaignDeadline(
  tx: Transaction,
  input: { id: bigint; region: RegionScope; actor: string; now: Date },
): Promise<{ deadline: CampaignDeadline; cancelledNotifications: number }> {
  const found = await tx.campaignDeadline.findFirst({ where: { AND: [campaignDeadlineRegion(input.region), { id: input.id }] } });
  if (!found) throw new CampaignDeadlineNotFoundError(`no campaign deadline ${input.id}`);
  if (input.region.role === 'commune' && found.communeCode === null) throw new CampaignDeadlineNotOwnedError('a province-wide deadline is cancelled by the province OCOP unit');
  // Conditional, so two cancellations at once cancel it once.
  const { count } = await tx.campaignDeadline.updateMany({ where: { id: input.id, cancelledAt: null }, data: { cancelledAt: input.now } });
  if (count === 0) throw new CampaignDeadlineCancelledError(`campaign deadline ${input.id} is already cancelled`);
  const cancelled = await tx.notification.updateManyAndReturn({
    where: { campaignDeadlineId: input.id, state: 'planned' },
    data: { state: 'cancelled', closedAt: input.now },
    select: { id: true },
  });
  await tx.notificationEvent.createMany({
    data: cancelled.map(({ id }) => ({ notificationId: id, action: 'cancelled', actor: input.actor, detail: { campaignDeadlineId: String(input.id) }, at: input.now })),
  });
  return { deadline: { ...found, cancelledAt: input.now }, cancelledNotifications: cancelled.length };
}
