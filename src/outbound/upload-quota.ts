import { vietnamDateOf } from '../calendar/calendar-date.js';
import type { Database, Transaction } from '../db/database.js';

// Zalo caps the files an OA may upload in a month by its package. The count is kept in
// Postgres per calendar month (Vietnam time), so a restart or a second worker neither
// forgets nor doubles it; the process metric only mirrors it.

/** The share of the quota at which the province's administrators are warned, once each. */
export const uploadWarningPercents = [80, 95] as const;
export type UploadWarningPercent = (typeof uploadWarningPercents)[number];

export interface UploadUsage {
  /** YYYY-MM in Vietnam time */
  month: string;
  uploads: number;
  quota: number;
  remaining: number;
  exhausted: boolean;
}

export interface UploadQuota {
  /** Files the OA's package lets it upload in a calendar month. */
  monthly: number;
  /** Plans the administrators' warning, inside the transaction that first crossed `percent`. */
  warn?: (tx: Transaction, percent: UploadWarningPercent, usage: UploadUsage, now: Date) => Promise<void>;
}

export function uploadMonthOf(now: Date): string {
  return vietnamDateOf(now).slice(0, 7);
}

function usageOf(month: string, uploads: number, quota: number): UploadUsage {
  return { month, uploads, quota, remaining: Math.max(quota - uploads, 0), exhausted: uploads >= quota };
}

/** This month's uploads so far. */
export async function readUploadUsage(db: Database | Transaction, quota: number, now: Date): Promise<UploadUsage> {
  const month = uploadMonthOf(now);
  const row = await db.zaloUploadMonth.findUnique({ where: { month } });
  return usageOf(month, row?.uploads ?? 0, quota);
}

/**
 * Counts one upload Zalo accepted and, the first time the month's count reaches 80 % or
 * 95 % of the quota, plans the warning in the same transaction: each update is
 * conditional on the warning not being recorded yet, so two workers warn once.
 */
export async function recordZaloUpload(db: Database, quota: UploadQuota, now: Date): Promise<UploadUsage> {
  const month = uploadMonthOf(now);
  return db.$transaction(async (tx) => {
    const [row] = await tx.$queryRaw<{ uploads: number }[]>`
      INSERT INTO zalo_upload_month (month, uploads) VALUES (${month}, 1)
      ON CONFLICT (month) DO UPDATE SET uploads = zalo_upload_month.uploads + 1
      RETURNING uploads`;
    const usage = usageOf(month, row?.uploads ?? 1, quota.monthly);
    for (const percent of uploadWarningPercents) {
      if (usage.uploads * 100 < percent * quota.monthly) continue;
      const field = percent === 80 ? 'warned80At' : 'warned95At';
      const { count } = await tx.zaloUploadMonth.updateMany({ where: { month, [field]: null }, data: { [field]: now } });
      if (count === 1) await quota.warn?.(tx, percent, usage, now);
    }
    if (usage.exhausted) await tx.zaloUploadMonth.updateMany({ where: { month, exhaustedAt: null }, data: { exhaustedAt: now } });
    return usage;
  });
}
