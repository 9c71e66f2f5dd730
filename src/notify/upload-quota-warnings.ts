import type { Transaction } from '../db/database.js';
import type { UploadUsage, UploadWarningPercent } from '../outbound/upload-quota.js';
import { sendTimeFor, type NotifyTiming } from './timing.js';

/**
 * Plans the warning that `percent` of this month's Zalo upload quota is used, for every
 * active administrator: one notification each, sent through the normal notification path
 * (the sweep picks it up, outside quiet hours). The key makes a second call a no-op.
 */
export async function planUploadQuotaWarning(tx: Transaction, timing: NotifyTiming, percent: UploadWarningPercent, usage: UploadUsage, now: Date): Promise<void> {
  const administrators = await tx.official.findMany({ where: { administrator: true, deactivatedAt: null }, select: { id: true, provinceCode: true }, orderBy: { id: 'asc' } });
  if (administrators.length === 0) return;
  const created = await tx.notification.createManyAndReturn({
    select: { id: true },
    data: administrators.map((official) => ({
      key: `uploadQuota:${usage.month}:${percent}:official:${official.id}`,
      kind: 'uploadQuota',
      recipientKind: 'official' as const,
      recipientId: official.id,
      provinceCode: official.provinceCode,
      dueAt: now,
      sendAt: sendTimeFor(timing, now, false),
      routine: false,
      vars: { percent: String(percent), uploads: String(usage.uploads), quota: String(usage.quota), month: usage.month },
      createdAt: now,
    })),
    skipDuplicates: true,
  });
  await tx.notificationEvent.createMany({ data: created.map((n) => ({ notificationId: n.id, action: 'planned', actor: 'system', at: now })) });
}
