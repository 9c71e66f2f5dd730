import type { Request, Response, Router } from 'express';
import { z } from 'zod';
import { displayDate, isCalendarDate, vietnamDateOf, type CalendarDate } from '../calendar/calendar-date.js';
import { meetingMinutes, minutesPdf, minutesWorkbook } from '../council/meeting-minutes.js';
import { recognitionChoices, recordRecognition, type RecognitionDeps } from '../council/recognition.js';
import type { Official } from '../db/generated/client.js';
import { DomainError, errorTable } from '../errors/domain-error.js';
import type { Logger } from '../observability/logger.js';
import { enqueueCommitted } from '../outbound/outbox.js';
import { sendStoredFile } from '../storage/send-stored-file.js';
import { toNfc } from '../text/normalize-input.js';
import { html, postForm, type Html, type PageContext } from './console-html.js';
import type { PageKit } from './console-meetings.js';
import { sendDownload } from '../storage/send-stored-file.js';

// The province's decision on a meeting's results, from the meeting page: the products it
// recognises (pre-ticked: every 3★–4★ result not disqualified), the 5★ ones proposed to the
// ministry, and once recorded the certificates with their PDFs. Province officials only.

export interface RecognitionPagesDeps extends RecognitionDeps {
  logger: Logger;
  enqueueOutbound: (ids: bigint[]) => Promise<void>;
}

const idParam = z.string().regex(/^\d{1,18}$/).transform(BigInt);
const text = z.string().transform((v) => toNfc(v).trim()).pipe(z.string().min(2).max(200));
const decisionForm = z.object({ number: text, signedOn: z.string().regex(/^(?:\d{2}\/\d{2}\/\d{4}|\d{4}-\d{2}-\d{2})$/), signer: text, signerTitle: text });

/** dd/mm/yyyy as people type it, or yyyy-mm-dd as a decision's date is often copied, as a calendar date. */
function readDate(value: string): CalendarDate | undefined {
  if (isCalendarDate(value)) return value;
  const [d, m, y] = value.split('/');
  const date = `${y}-${m}-${d}`;
  return isCalendarDate(date) ? date : undefined;
}

export function registerRecognitionPages(router: Router, deps: RecognitionPagesDeps, kit: PageKit): { section: (ctx: PageContext, meeting: { id: bigint }, official: Official, query: Request['query']) => Promise<Html> } {
  router.post('/meetings/:id/recognition', async (req: Request, res: Response) => {
    const official = kit.official(req);
    const id = idParam.safeParse(req.params.id);
    if (official.role !== 'province' || !id.success) return kit.notFound(req, res);
    const back = (query: string) => res.redirect(303, `/console/meetings/${String(id.data)}?${query}#recognition`);
    const form = decisionForm.safeParse(req.body);
    const signedOn = form.success ? readDate(form.data.signedOn) : undefined;
    if (!form.success || !signedOn || signedOn > vietnamDateOf(deps.now())) return back('recognition=invalid');
    const body = req.body as Record<string, unknown>;
    const ticked = (Array.isArray(body.certify) ? body.certify : body.certify === undefined ? [] : [body.certify]).filter((v): v is string => typeof v === 'string' && /^\d{1,18}$/.test(v)).map(BigInt);
    try {
      const recorded = await recordRecognition(deps, { meetingId: id.data, provinceCode: official.provinceCode, number: form.data.number, signedOn, signer: form.data.signer, signerTitle: form.data.signerTitle, certify: ticked, by: official.name });
      await enqueueCommitted(deps.enqueueOutbound, recorded.outboxIds, deps.logger);
    } catch (error) {
      if (error instanceof DomainError && error.code === 'meeting.notFound') return kit.notFound(req, res);
      if (error instanceof DomainError) return back(`recognition=refused&code=${encodeURIComponent(error.code)}`);
      throw error;
    }
    back('recognition=recorded');
  });

  // The council's minutes with the score table (and the decision's annex once recorded), as officials file them.
  for (const format of ['xlsx', 'pdf'] as const) {
    router.get(`/meetings/:id/minutes.${format}`, async (req: Request, res: Response) => {
      const official = kit.official(req);
      const id = idParam.safeParse(req.params.id);
      const minutes = id.success && official.role !== 'commune' ? await meetingMinutes(deps.db, deps.translate, { meetingId: id.data, provinceCode: official.provinceCode }) : null;
      if (!minutes || !id.success) return kit.notFound(req, res);
      const bytes = format === 'xlsx' ? await minutesWorkbook(minutes, deps.translate) : await minutesPdf(minutes, deps.translate);
      sendDownload(res, Buffer.from(bytes), { mediaType: format === 'xlsx' ? 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' : 'application/pdf', fileName: `bien-ban-hop-hoi-dong-${String(id.data)}.${format}` });
    });
  }

  router.get('/certificates/:id.pdf', async (req: Request, res: Response) => {
    const id = idParam.safeParse(req.params.id);
    const official = kit.official(req);
    const certificate = id.success ? await deps.db.certificate.findFirst({ where: { id: id.data, decision: { provinceCode: official.provinceCode } } }) : null;
    // Commune officials see their commune's certificates only.
    const inRegion = certificate && (official.role !== 'commune' || (await deps.db.productIdea.count({ where: { id: certificate.productIdeaId, communeCode: official.communeCode ?? '' } })) > 0);
    if (!certificate || !inRegion) return kit.notFound(req, res);
    await sendStoredFile(res, deps.storage, certificate.storageKey, { mediaType: 'application/pdf', sizeBytes: certificate.sizeBytes, sha256: certificate.sha256, fileName: `giay-chung-nhan-${String(certificate.id)}.pdf`, inline: true });
  });

  return {
    async section(ctx, meeting, official, query) {
      const decision = await deps.db.recognitionDecision.findUnique({ where: { meetingId: meeting.id }, include: { certificates: { orderBy: { id: 'asc' } } } });
      const hasResults = (await deps.db.evaluationResult.count({ where: { meetingId: meeting.id, supersededAt: null } })) > 0;
      const minutes = hasResults
        ? html`<p><a class="button secondary" href="/console/meetings/${String(meeting.id)}/minutes.pdf">${ctx.t('console.recognition.minutesPdf')}</a> <a class="button secondary" href="/console/meetings/${String(meeting.id)}/minutes.xlsx">${ctx.t('console.recognition.minutesXlsx')}</a></p>`
        : '';
      const heading = html`${minutes}<h2 id="recognition">${ctx.t('console.recognition.title')}</h2>`;
      const flash =
        query.recognition === 'recorded'
          ? html`<p class="flash ok" role="status">${ctx.t('console.recognition.recorded', { number: decision?.number ?? '', date: displayDate(decision?.signedOn ?? ''), signer: decision?.signer ?? '', signerTitle: decision?.signerTitle ?? '' })}</p>`
          : query.recognition === 'invalid'
            ? html`<p class="flash error" role="alert">${ctx.t('console.recognition.invalid')}</p>`
            : query.recognition === 'refused' && typeof query.code === 'string' && Object.hasOwn(errorTable, query.code)
              ? html`<p class="flash error" role="alert">${ctx.t(`error.${query.code}`)}</p>`
              : '';
      if (decision) {
        const ideas = await deps.db.productIdea.findMany({ where: { id: { in: [...decision.certificates.map((c) => c.productIdeaId), ...decision.proposedIdeaIds] } } });
        const name = (id: bigint) => ideas.find((i) => i.id === id)?.productName ?? String(id);
        return html`${heading}${flash}<p>${ctx.t('console.recognition.recorded', { number: decision.number, date: displayDate(decision.signedOn), signer: decision.signer, signerTitle: decision.signerTitle })}</p>
          <ul class="cards">${decision.certificates.map(
            (c) => html`<li class="card">${ctx.t('console.recognition.certificate', { product: name(c.productIdeaId), number: c.number, stars: String(c.stars), expires: displayDate(c.expiresOn) })} <a href="/console/certificates/${String(c.id)}.pdf">${ctx.t('console.recognition.download')}</a></li>`,
          )}</ul>
          ${decision.proposedIdeaIds.length > 0 ? html`<p class="meta">${ctx.t('console.recognition.proposed', { products: decision.proposedIdeaIds.map(name).join(', ') })}</p>` : ''}`;
      }
      if (official.role !== 'province') return html``;
      const { certifiable, proposed } = await recognitionChoices(deps.db, { meetingId: meeting.id, provinceCode: official.provinceCode });
      if (certifiable.length === 0 && proposed.length === 0) return html``;
      const form = postForm(
        ctx,
        `/console/meetings/${String(meeting.id)}/recognition`,
        html`<p class="meta">${ctx.t('console.recognition.hint')}</p>
          <label>${ctx.t('console.recognition.number')}<input type="text" name="number" required maxlength="200" placeholder="123/QĐ-UBND"></label>
          <label>${ctx.t('console.recognition.signedOn')}<input type="text" name="signedOn" required inputmode="numeric" pattern="\\d{2}/\\d{2}/\\d{4}|\\d{4}-\\d{2}-\\d{2}" placeholder="dd/mm/yyyy"></label>
          <label>${ctx.t('console.recognition.signer')}<input type="text" name="signer" required maxlength="200"></label>
          <label>${ctx.t('console.recognition.signerTitle')}<input type="text" name="signerTitle" required maxlength="200"></label>
          ${certifiable.length > 0 ? html`<fieldset><legend>${ctx.t('console.recognition.certify')}</legend>${certifiable.map((r) => html`<label class="check"><input type="checkbox" name="certify" value="${String(r.productIdeaId)}" checked> <span>${r.productIdea.productName} · ${String(r.stars)}★</span></label>`)}</fieldset>` : ''}
          ${proposed.length > 0 ? html`<p class="meta">${ctx.t('console.recognition.proposed', { products: proposed.map((r) => r.productIdea.productName).join(', ') })}</p>` : ''}
          <button type="submit">${ctx.t('console.recognition.record')}</button>`,
        { className: 'actions' },
      );
      return html`${heading}${flash}${form}`;
    },
  };
}
