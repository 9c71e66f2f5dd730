import { replyWith, textOf, type ActionInput, type ActionOutcome } from '../conversation/action-outcome.js';
import { communeLabel, noticesToOfficials } from './officials-notices.js';
import { officialRequestAnswers } from './registration-answers.js';
import { displayPhone } from '../text/phone.js';

/** Passes a person's request for help to the officials of their commune. */
export async function requestOfficial(input: ActionInput): Promise<ActionOutcome> {
  const a = officialRequestAnswers.parse(input.answers);
  const producer = await input.tx.producer.findUnique({ where: { zaloUserId: input.userId } });
  const communeCode = producer?.communeCode ?? a.communeCode;
  const phone = producer?.phone ?? a.phone;
  if (!communeCode || !phone) throw new Error('a request for an official needs a commune and a phone');
  const commune = await communeLabel(input.tx, communeCode);
  const notify = await noticesToOfficials(input.tx, input.translate, { communeCode, provinceCode: commune.provinceCode }, 'official.request', {
    producer: producer?.name ?? input.translate(input.locale, 'official.unknownPerson'),
    phone: displayPhone(phone),
    commune: commune.label,
    message: a.message,
  });
  if (notify.length === 0) return replyWith(textOf(input, 'official.noneLinked', { commune: commune.label }));
  return { reply: [textOf(input, 'official.requestSent', { commune: commune.label })], notify };
}
