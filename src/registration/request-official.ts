import { replyWith, textOf, type ActionInput, type ActionOutcome } from '../conversation/action-outcome.js';
import { linkedOfficialsFor } from '../officials/official-invitations.js';
import { ocopContactFor, type ProvinceSettings } from '../ocop/province-settings.js';
import { communeLabel, noticesToOfficials } from './officials-notices.js';
import { officialRequestAnswers } from './registration-answers.js';
import { displayPhone } from '../text/phone.js';

/** Whom to call, in the person's words: the commune's OCOP contact, the province unit's, or the commune's people's committee. */
function contactText(input: ActionInput, settings: ProvinceSettings, communeCode: string, commune: string): string {
  const contact = ocopContactFor(settings, communeCode);
  return contact ? input.translate(input.locale, 'official.contact', { name: contact.name, phone: displayPhone(contact.phone) }) : input.translate(input.locale, 'official.contactCommune', { commune });
}

/**
 * Before a producer with a profile writes their request: when no official of their commune
 * (nor the province unit) takes requests in Zalo, they are told so now, with whom to call,
 * rather than after typing it. Says nothing when someone will get the request.
 */
export async function warnNoOfficial(input: ActionInput, settingsFor: (provinceCode: string) => ProvinceSettings): Promise<ActionOutcome> {
  const producer = await input.tx.producer.findUnique({ where: { zaloUserId: input.userId } });
  if (!producer) return { reply: [], notify: [] };
  const commune = await communeLabel(input.tx, producer.communeCode);
  if ((await linkedOfficialsFor(input.tx, { communeCode: producer.communeCode, provinceCode: commune.provinceCode })).length > 0) return { reply: [], notify: [] };
  return replyWith(textOf(input, 'official.unavailable', { commune: commune.label, contact: contactText(input, settingsFor(commune.provinceCode), producer.communeCode, commune.label) }));
}

/** Passes a person's request for help to the officials of their commune. */
export async function requestOfficial(input: ActionInput, settingsFor: (provinceCode: string) => ProvinceSettings): Promise<ActionOutcome> {
  const a = officialRequestAnswers.parse(input.answers);
  const producer = await input.tx.producer.findUnique({ where: { zaloUserId: input.userId } });
  const communeCode = producer?.communeCode ?? a.communeCode;
  const phone = producer?.phone ?? a.phone;
  if (!communeCode || !phone) throw new Error('a request for an official needs a commune and a phone');
  const commune = await communeLabel(input.tx, communeCode);
  // Kept until an official marks it answered: an unanswered request stays on their task list.
  await input.tx.officialRequest.create({
    data: { zaloUserId: input.userId, producerId: producer?.id ?? null, name: producer?.name ?? input.translate(input.locale, 'official.unknownPerson'), phone, provinceCode: commune.provinceCode, communeCode, message: a.message, createdAt: input.now },
  });
  const notify = await noticesToOfficials(input.tx, input.translate, { communeCode, provinceCode: commune.provinceCode }, 'official.request', {
    producer: producer?.name ?? input.translate(input.locale, 'official.unknownPerson'),
    phone: displayPhone(phone),
    commune: commune.label,
    message: a.message,
  });
  if (notify.length === 0) {
    return replyWith(textOf(input, 'official.noneLinked', { commune: commune.label, contact: contactText(input, settingsFor(commune.provinceCode), communeCode, commune.label) }));
  }
  return { reply: [textOf(input, 'official.requestSent', { commune: commune.label })], notify };
}
