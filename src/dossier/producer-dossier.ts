import { z } from 'zod';
import type { Transaction } from '../db/database.js';
import { chatPlanItem as planItem, checklistFor, type Checklist } from '../ocop/dossier-checklist.js';
import { replyWith, textOf, type ActionInput, type ActionOutcome } from '../conversation/action-outcome.js';
import { communeLabel, noticesToOfficials } from '../registration/officials-notices.js';
import { addPlanFromChat } from './plan-from-chat.js';
import { satisfiedItems, touchDossier } from './review-dossier.js';

// The producer's side of the dossier, as conversation actions: open it, add documents
// to an item (fetched afterwards by the intake worker), submit it, and say what is missing.

const ideaAnswer = z.object({ ideaId: z.string().regex(/^\d+$/) });
const filesAnswer = ideaAnswer.extend({
  $item: z.string().min(1),
  $files: z.array(z.object({ index: z.number().int().min(0), type: z.enum(['image', 'file']), url: z.url(), name: z.string().optional() })).min(1),
  $replace: z.boolean().default(false),
});

/** The producer's own idea, with its dossier; another producer's idea is not found. */
async function ownIdea(tx: Transaction, userId: string, ideaId: string) {
  return tx.productIdea.findFirst({ where: { id: BigInt(ideaId), producer: { zaloUserId: userId } }, include: { producer: true, dossier: true } });
}

function producerItems(checklists: readonly Checklist[], idea: NonNullable<Awaited<ReturnType<typeof ownIdea>>>) {
  return checklistFor(checklists, { ruleSet: idea.ruleSet, kind: idea.kind, sector: idea.sectorCode, set: idea.setCode, producerKind: idea.producer.kind }).filter((i) => i.by === 'producer');
}


/** Opens (or creates) the dossier of the chosen idea and says how far it is. */
export async function openDossier(input: ActionInput, checklists: readonly Checklist[]): Promise<ActionOutcome> {
  const { ideaId } = ideaAnswer.parse(input.answers);
  const idea = await ownIdea(input.tx, input.userId, ideaId);
  if (!idea) return replyWith(textOf(input, 'dossier.ideaGone'));
  const checklist = checklists.find((c) => c.ruleSets.includes(idea.ruleSet));
  if (!checklist) throw new Error(`no checklist for rule set ${idea.ruleSet}`);
  const dossier = idea.dossier ?? (await input.tx.dossier.upsert({ where: { productIdeaId: idea.id }, create: { productIdeaId: idea.id, checklistId: checklist.id, createdAt: input.now }, update: {} }));
  const items = producerItems(checklists, idea);
  // The plan given in the chat fills the plan item (made into a PDF by the intake worker), so it is not asked again.
  const fromChat = items.some((i) => i.item === planItem) ? await addPlanFromChat(input.tx, { dossierId: dossier.id, idea, userId: input.userId, now: input.now }) : undefined;
  const required = items.filter((i) => i.need === 'required');
  const have = await satisfiedItems(input.tx, dossier.id);
  const opened = textOf(input, 'dossier.opened', { product: idea.productName, have: String(required.filter((i) => have.has(i.item)).length), required: String(required.length) });
  if (fromChat === undefined) return replyWith(opened);
  const added = textOf(input, 'dossier.planFromChat.added', { item: input.translate(input.locale, `dossier.item.${planItem}`) });
  return { ...replyWith(added, opened), intake: [fromChat] };
}

/**
 * Records the files of one message as documents of the current item, to be fetched by the
 * intake worker. The first files of a replacement retire what the item held before.
 */
export async function addDocuments(input: ActionInput): Promise<ActionOutcome> {
  const a = filesAnswer.parse(input.answers);
  const idea = await ownIdea(input.tx, input.userId, a.ideaId);
  if (!idea?.dossier) return replyWith(textOf(input, 'dossier.ideaGone'));
  const dossierId = idea.dossier.id;
  const { tx, now } = input;
  // New files for an item the commune sent back replace what it refused.
  const returned = await tx.dossierItemReturn.count({ where: { dossierId, itemCode: a.$item, resolvedAt: null } });
  if (a.$replace || returned > 0) {
    const old = await tx.dossierDocument.findMany({ where: { dossierId, itemCode: a.$item, status: { in: ['stored', 'downloading'] } }, select: { id: true } });
    if (old.length > 0) {
      await tx.dossierDocument.updateMany({ where: { id: { in: old.map((d) => d.id) } }, data: { status: 'replaced', replacedAt: now } });
      await touchDossier(tx, dossierId, { actor: input.userId, action: 'document_replaced', itemCode: a.$item, detail: { replaced: old.map((d) => String(d.id)) }, now });
    }
  }
  const last = await tx.dossierDocument.aggregate({ where: { dossierId, itemCode: a.$item }, _max: { position: true } });
  const first = (last._max.position ?? 0) + 1;
  // One row per attachment of the message: a retried turn finds them already there.
  await tx.dossierDocument.createMany({
    data: a.$files.map((file, i) => ({
      dossierId,
      itemCode: a.$item,
      position: first + i,
      sourceMessageId: input.messageId ?? null,
      attachmentIndex: file.index,
      sourceUrl: file.url,
      uploadedBy: input.userId,
      originalName: file.name ?? null,
      createdAt: now,
    })),
    skipDuplicates: true,
  });
  const created = await tx.dossierDocument.findMany({
    where: { dossierId, status: 'downloading', sourceMessageId: input.messageId ?? null, attachmentIndex: { in: a.$files.map((f) => f.index) }, createdAt: now },
    select: { id: true },
  });
  await tx.dossierItemReturn.updateMany({ where: { dossierId, itemCode: a.$item, resolvedAt: null }, data: { resolvedAt: now } });
  return { reply: [], notify: [], intake: created.map((d) => d.id) };
}

const exemptionAnswer = ideaAnswer.extend({ $exemptItem: z.string().min(1), exemptReason: z.string().min(1) });

/**
 * Records that the law does not ask the producer for an item (an `exemptible` one, such as
 * a food-safety certificate their establishment is exempt from), with their reason. It
 * stands in for the item until the commune sends the item back; the commune sees it with
 * the dossier and accepts it by checking the dossier.
 */
export async function declareExemption(input: ActionInput, checklists: readonly Checklist[]): Promise<ActionOutcome> {
  const a = exemptionAnswer.parse(input.answers);
  const idea = await ownIdea(input.tx, input.userId, a.ideaId);
  if (!idea?.dossier) return replyWith(textOf(input, 'dossier.ideaGone'));
  const item = producerItems(checklists, idea).find((i) => i.item === a.$exemptItem);
  if (!item?.exemptible) throw new Error(`item ${a.$exemptItem} of idea ${idea.id} cannot be declared exempt`);
  const { tx, now } = input;
  const dossierId = idea.dossier.id;
  await tx.dossierItemExemption.updateMany({ where: { dossierId, itemCode: item.item, returnedAt: null }, data: { returnedAt: now } });
  await tx.dossierItemExemption.create({ data: { dossierId, itemCode: item.item, reason: a.exemptReason, declaredBy: input.userId, declaredAt: now } });
  // A declaration answers a return of the item, as a new document would.
  await tx.dossierItemReturn.updateMany({ where: { dossierId, itemCode: item.item, resolvedAt: null }, data: { resolvedAt: now } });
  await touchDossier(tx, dossierId, { actor: input.userId, action: 'exemption_declared', itemCode: item.item, detail: { reason: a.exemptReason }, now });
  return replyWith(textOf(input, 'dossier.exempt.recorded', { item: input.translate(input.locale, `dossier.item.${item.item}`) }));
}

/** Sends a complete dossier to the commune; an incomplete one is answered with what is missing. */
export async function submitDossier(input: ActionInput, checklists: readonly Checklist[]): Promise<ActionOutcome> {
  const { ideaId } = ideaAnswer.parse(input.answers);
  const idea = await ownIdea(input.tx, input.userId, ideaId);
  if (!idea?.dossier) return replyWith(textOf(input, 'dossier.ideaGone'));
  const have = await satisfiedItems(input.tx, idea.dossier.id);
  const missing = producerItems(checklists, idea).filter((i) => i.need === 'required' && !have.has(i.item));
  if (missing.length > 0) {
    // The walk counts files still downloading as given; those items are not missing, only not ready yet.
    const downloading = new Set(
      (await input.tx.dossierDocument.findMany({ where: { dossierId: idea.dossier.id, status: 'downloading', itemCode: { in: missing.map((i) => i.item) } }, select: { itemCode: true } })).map((d) => d.itemCode),
    );
    const named = (items: typeof missing) => items.map((i) => `• ${input.translate(input.locale, `dossier.item.${i.item}`)}`).join('\n');
    const absent = missing.filter((i) => !downloading.has(i.item));
    if (absent.length === 0) return replyWith(textOf(input, 'dossier.stillDownloading', { items: named(missing) }));
    return replyWith(textOf(input, 'dossier.incomplete', { items: named(absent) }));
  }
  await input.tx.dossier.update({ where: { id: idea.dossier.id }, data: { status: 'submitted' } });
  await touchDossier(input.tx, idea.dossier.id, { actor: input.userId, action: 'submitted', now: input.now });
  const commune = await communeLabel(input.tx, idea.communeCode);
  const vars = { product: idea.productName, receipt: idea.receiptNumber, producer: idea.producer.name, commune: commune.label };
  return {
    reply: [textOf(input, 'dossier.submitted', vars)],
    notify: await noticesToOfficials(input.tx, input.translate, { communeCode: idea.communeCode, provinceCode: idea.provinceCode }, 'official.dossierSubmitted', vars),
  };
}

/** "còn thiếu": for each idea with a dossier, how many required items are in and which are missing. */
export async function showDossierProgress(input: ActionInput, checklists: readonly Checklist[]): Promise<ActionOutcome> {
  const ideas = await input.tx.productIdea.findMany({ where: { producer: { zaloUserId: input.userId }, dossier: { isNot: null } }, include: { producer: true, dossier: true }, orderBy: { id: 'asc' } });
  if (ideas.length === 0) return replyWith(textOf(input, 'dossier.none'));
  const lines: string[] = [];
  for (const idea of ideas) {
    if (!idea.dossier) continue;
    const have = await satisfiedItems(input.tx, idea.dossier.id);
    const required = producerItems(checklists, idea).filter((i) => i.need === 'required');
    const missing = required.filter((i) => !have.has(i.item)).map((i) => input.translate(input.locale, `dossier.item.${i.item}`));
    lines.push(
      input.translate(input.locale, missing.length > 0 ? 'dossier.progress' : 'dossier.progressComplete', {
        product: idea.productName,
        receipt: idea.receiptNumber,
        have: String(required.length - missing.length),
        required: String(required.length),
        missing: missing.map((m) => `• ${m}`).join('\n'),
      }),
    );
  }
  return replyWith({ kind: 'text', text: lines.join('\n\n') });
}
