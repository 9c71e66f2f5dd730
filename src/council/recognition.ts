import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { addMonths, type CalendarDate } from '../calendar/calendar-date.js';
import type { Database } from '../db/database.js';
import { DomainError, type ErrorIssue } from '../errors/domain-error.js';
import { defaultLocale, isLocale, type Translate } from '../i18n/translator.js';
import type { RuleSet } from '../ocop/rule-sets.js';
import { addToOutbox, type OutboxEntry } from '../outbound/outbox.js';
import { newStorageKey, type DocumentStorage } from '../storage/storage.js';
import { renderCertificatePdf } from './render-certificate.js';
import { MeetingNotFoundError } from './schedule-meeting.js';

// From result to certificate: the province records its decision on a meeting's results
// (number, date, signer). Each product it certifies — a current result the rule set has
// the province certify (3★ and 4★ under 26/2026, Art. 4.1), not disqualified — gets a
// certificate valid the rule set's months (36), a PDF, an entry in the certified register
// (so re-ranking reminders follow) and the PDF in Zalo; 5★ results are listed as proposed
// to the ministry; 1★ and 2★ get nothing.

export interface RecognitionDeps {
  db: Database;
  storage: DocumentStorage;
  translate: Translate;
  ruleSets: readonly RuleSet[];
  now: () => Date;
}

export interface RecognitionInput {
  meetingId: bigint;
  provinceCode: string;
  number: string;
  signedOn: CalendarDate;
  signer: string;
  signerTitle: string;
  /** the ideas the decision certifies, among those the province may */
  certify: bigint[];
  by: string;
}

/** Ideas the decision cannot certify, or a decision with nothing in it. */
export class RecognitionInputError extends DomainError {
  override name = 'RecognitionInputError';
  readonly code = 'recognition.input';
  constructor(readonly notEligible: bigint[]) {
    super(notEligible.length > 0 ? `the province does not certify these ideas at this meeting: ${notEligible.join(', ')}` : 'the decision certifies and proposes nothing');
  }

  override inputIssues(): ErrorIssue[] {
    return this.notEligible.map((id) => ({ path: 'certify', message: `idea ${id} has no result the province certifies` }));
  }
}

/** The meeting already has its decision, or another decision carries this number. */
export class RecognitionRecordedError extends DomainError {
  override name = 'RecognitionRecordedError';
  readonly code = 'recognition.recorded';
}

/** What the province may decide on a meeting: the results it certifies, and those it proposes to the ministry. */
export async function recognitionChoices(db: Database, input: { meetingId: bigint; provinceCode: string }) {
  const meeting = await db.meeting.findFirst({ where: { id: input.meetingId, council: { provinceCode: input.provinceCode }, status: { not: 'cancelled' } }, include: { council: true } });
  if (!meeting) throw new MeetingNotFoundError(`meeting ${input.meetingId}`);
  const results = await db.evaluationResult.findMany({ where: { meetingId: meeting.id, supersededAt: null, disqualifiedCode: null }, include: { productIdea: { include: { producer: true } } }, orderBy: { productIdeaId: 'asc' } });
  return {
    meeting,
    certifiable: results.filter((r) => r.certifyingLevel === 'province'),
    proposed: results.filter((r) => r.certifyingLevel === 'central'),
  };
}

/**
 * Records the decision and issues its certificates, all or nothing: the PDFs are stored
 * first (and removed if the decision is not recorded), then the decision, certificates,
 * register entries and the producers' messages commit together. Returns the outbox ids.
 */
export async function recordRecognition(deps: RecognitionDeps, input: RecognitionInput): Promise<{ decisionId: bigint; certificates: number; proposed: number; outboxIds: bigint[] }> {
  const { meeting, certifiable, proposed } = await recognitionChoices(deps.db, input);
  const notEligible = input.certify.filter((id) => !certifiable.some((r) => r.productIdeaId === id));
  if (notEligible.length > 0 || (input.certify.length === 0 && proposed.length === 0)) throw new RecognitionInputError(notEligible);
  const chosen = certifiable.filter((r) => input.certify.includes(r.productIdeaId));
  const units = await deps.db.administrativeUnit.findMany({ where: { communeCode: { in: chosen.map((r) => r.productIdea.communeCode) } } });
  const province = units[0]?.provinceName ?? (await deps.db.administrativeUnit.findFirst({ where: { provinceCode: input.provinceCode } }))?.provinceName ?? input.provinceCode;
  const t = (key: string) => deps.translate('vi', key);

  // The PDFs, outside the transaction (they take a while); numbered in the decision's order.
  const issued: { result: (typeof chosen)[number]; number: string; expiresOn: CalendarDate; storageKey: string; sha256: string; sizeBytes: number }[] = [];
  for (const [index, result] of chosen.entries()) {
    const ruleSet = deps.ruleSets.find((r) => r.id === result.ruleSet);
    if (!ruleSet) throw new Error(`result ${result.id} is under an unknown rule set ${result.ruleSet}`);
    const number = `${input.number}-${String(index + 1).padStart(2, '0')}`;
    const expiresOn = addMonths(input.signedOn, ruleSet.certificate.validMonths);
    const unit = units.find((u) => u.communeCode === result.productIdea.communeCode);
    const bytes = await renderCertificatePdf({
      issuer: fill(t('certificate.pdf.issuer'), { province }),
      productName: result.productIdea.productName,
      producerName: result.productIdea.producer.name,
      address: unit ? `${unit.communeName}, ${unit.provinceName}` : result.productIdea.communeCode,
      stars: result.stars,
      number,
      decision: { number: input.number, signedOn: input.signedOn, signer: input.signer, signerTitle: input.signerTitle },
      expiresOn,
      ruleSetTitle: ruleSet.title,
      texts: {
        title: t('certificate.pdf.title'),
        subtitle: t('certificate.pdf.subtitle'),
        product: t('certificate.pdf.product'),
        producer: t('certificate.pdf.producer'),
        address: t('certificate.pdf.address'),
        stars: t('certificate.pdf.stars'),
        number: t('certificate.pdf.number'),
        decision: t('certificate.pdf.decision'),
        validUntil: t('certificate.pdf.validUntil'),
        ruleSet: t('certificate.pdf.ruleSet'),
      },
    });
    const storageKey = newStorageKey('document', 'pdf', deps.now());
    await deps.storage.put(storageKey, Readable.from([Buffer.from(bytes)]), { contentType: 'application/pdf', sizeBytes: bytes.byteLength });
    issued.push({ result, number, expiresOn, storageKey, sha256: createHash('sha256').update(bytes).digest('hex'), sizeBytes: bytes.byteLength });
  }

  try {
    return await deps.db.$transaction(async (tx) => {
      await tx.$queryRaw`SELECT id FROM meeting WHERE id = ${meeting.id} FOR UPDATE`;
      const clash = await tx.recognitionDecision.findFirst({ where: { OR: [{ meetingId: meeting.id }, { provinceCode: input.provinceCode, number: input.number }] } });
      if (clash) throw new RecognitionRecordedError(clash.meetingId === meeting.id ? 'this meeting already has its decision' : `decision ${input.number} is already recorded for another meeting`);
      const now = deps.now();
      const decision = await tx.recognitionDecision.create({
        data: { provinceCode: input.provinceCode, meetingId: meeting.id, number: input.number, signedOn: input.signedOn, signer: input.signer, signerTitle: input.signerTitle, proposedIdeaIds: proposed.map((r) => r.productIdeaId), recordedBy: input.by, recordedAt: now },
      });
      const entries: OutboxEntry[] = [];
      for (const c of issued) {
        const idea = c.result.productIdea;
        const registered = await tx.certifiedProduct.create({
          data: {
            provinceCode: input.provinceCode,
            communeCode: idea.communeCode,
            productName: idea.productName,
            producerName: idea.producer.name,
            producerPhone: idea.producer.phone,
            producerId: idea.producerId,
            stars: c.result.stars,
            certificateNumber: c.number,
            certifiedOn: input.signedOn,
            expiresOn: c.expiresOn,
            ruleSet: c.result.ruleSet,
            importedBy: `decision:${input.number}`,
            createdAt: now,
          },
        });
        await tx.certificate.create({
          data: { decisionId: decision.id, productIdeaId: idea.id, evaluationResultId: c.result.id, number: c.number, stars: c.result.stars, certifiedOn: input.signedOn, expiresOn: c.expiresOn, ruleSet: c.result.ruleSet, certifiedProductId: registered.id, storageKey: c.storageKey, sha256: c.sha256, sizeBytes: c.sizeBytes, createdAt: now },
        });
        const user = await tx.zaloUser.findUnique({ where: { id: idea.producer.zaloUserId }, select: { locale: true } });
        const locale = user && isLocale(user.locale) ? user.locale : defaultLocale;
        const text = deps.translate(locale, 'certificate.issued', { product: idea.productName, stars: String(c.result.stars), number: c.number, decision: input.number, expires: c.expiresOn.split('-').reverse().join('/') });
        entries.push(
          { idempotencyKey: `certificate:${c.number}:text`, recipient: idea.producer.zaloUserId, message: { kind: 'text', text } },
          { idempotencyKey: `certificate:${c.number}:file`, recipient: idea.producer.zaloUserId, message: { kind: 'file', storageKey: c.storageKey, fileName: 'giay-chung-nhan-ocop.pdf', mediaType: 'application/pdf' } },
        );
      }
      const outboxIds = await addToOutbox(tx, entries, now);
      return { decisionId: decision.id, certificates: issued.length, proposed: proposed.length, outboxIds };
    });
  } catch (error) {
    for (const c of issued) await deps.storage.delete(c.storageKey).catch(() => undefined);
    throw error;
  }
}

const fill = (template: string, values: Record<string, string>) => template.replace(/\{(\w+)\}/g, (whole, key: string) => values[key] ?? whole);
