import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

// When reminders go out and when they escalate: data in rules/notifications.yaml.

const time = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time written hh:mm');
const workingDays = z.array(z.number().int().min(0).max(120)).min(1);

const fileSchema = z.strictObject({
  routineTime: time,
  remindBefore: z.strictObject({ producerRoundDeadline: workingDays, communeCutoff: workingDays, provinceRoundClose: workingDays, dossierCheck: workingDays, meetingDelivery: workingDays }),
  dossierCheckWorkingDays: z.number().int().min(1).max(60),
  businessPlanAfterWorkingDays: z.number().int().min(0).max(60),
  returnedAfterWorkingDays: z.number().int().min(0).max(60),
  escalateAfterWorkingDays: z.number().int().min(1).max(60),
});

export type NotifyRules = z.infer<typeof fileSchema>;

export class NotifyRulesError extends Error {
  override name = 'NotifyRulesError';
}

export function loadNotifyRules(file: string): NotifyRules {
  const parsed = fileSchema.safeParse(parseYaml(readFileSync(file, 'utf8')));
  if (!parsed.success) throw new NotifyRulesError(`${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}
