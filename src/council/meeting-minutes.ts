import fontkit from '@pdf-lib/fontkit';
import { PDFDocument, grayscale, type PDFFont, type PDFPage } from 'pdf-lib';
import { z } from 'zod';
import { displayDate } from '../calendar/calendar-date.js';
import type { Database } from '../db/database.js';
import type { Translate } from '../i18n/translator.js';
import { displayAverage } from '../ocop/scoring.js';
import { loadFontFiles } from '../pdf/load-font-files.js';
import { wrapText } from '../pdf/pdf-text.js';

// The council's minutes (biên bản họp hội đồng) as officials file them: the meeting, the
// members present, each member's score of each product, the average (cut, never rounded
// up), the stars and what follows, and the decision's annex of certificates once the
// province has recorded it. In Vietnamese, as a workbook and as a PDF.

const scores = z.array(z.object({ personId: z.string(), score: z.number() }).loose());

export interface MeetingMinutes {
  council: string;
  date: string;
  time: string;
  place: string;
  members: { id: bigint; name: string; role: string }[];
  products: { name: string; receipt: string; scores: Map<string, number>; average: string; stars: number; outcome: string }[];
  certificates: { number: string; product: string; producer: string; stars: number; expiresOn: string }[];
  decision: { number: string; signedOn: string; signer: string; signerTitle: string } | null;
}

/** The minutes of a meeting of the province's, or null when it is not theirs or has no result. */
export async function meetingMinutes(db: Database, translate: Translate, input: { meetingId: bigint; provinceCode: string }): Promise<MeetingMinutes | null> {
  const t = (key: string, vars?: Record<string, string>) => translate('vi', key, vars);
  const meeting = await db.meeting.findFirst({ where: { id: input.meetingId, council: { provinceCode: input.provinceCode } }, include: { council: { include: { members: { include: { person: true }, orderBy: { personId: 'asc' } } } } } });
  if (!meeting) return null;
  const results = await db.evaluationResult.findMany({ where: { meetingId: meeting.id, supersededAt: null }, include: { productIdea: true }, orderBy: { productIdeaId: 'asc' } });
  if (results.length === 0) return null;
  const present = new Set(results.flatMap((r) => r.presentIds));
  const decision = await db.recognitionDecision.findUnique({ where: { meetingId: meeting.id }, include: { certificates: { orderBy: { id: 'asc' } } } });
  const ideaOf = new Map(results.map((r) => [r.productIdeaId, r.productIdea]));
  const producers = decision ? await db.producer.findMany({ where: { ideas: { some: { id: { in: decision.certificates.map((c) => c.productIdeaId) } } } }, include: { ideas: { select: { id: true } } } }) : [];
  return {
    council: meeting.council.name,
    date: displayDate(meeting.date),
    time: meeting.time,
    place: meeting.place,
    members: meeting.council.members.filter((m) => present.has(m.personId)).map((m) => ({ id: m.personId, name: m.person.name, role: t(`council.role.${m.role}`) })),
    products: results.map((r) => {
      const parsed = scores.safeParse(r.scores);
      return {
        name: r.productIdea.productName,
        receipt: r.productIdea.receiptNumber,
        scores: new Map((parsed.success ? parsed.data : []).map((s) => [s.personId, s.score])),
        average: displayAverage('vi', r.scoreSumHundredths, r.scoreCount),
        stars: r.stars,
        outcome: r.disqualifiedReason
          ? t('minutes.outcome.disqualified', { reason: r.disqualifiedReason })
          : r.certifyingLevel
            ? t('minutes.outcome.level', { level: t(`notify.level.${r.certifyingLevel}`) })
            : t('minutes.outcome.none'),
      };
    }),
    certificates: (decision?.certificates ?? []).map((c) => ({
      number: c.number,
      product: ideaOf.get(c.productIdeaId)?.productName ?? '',
      producer: producers.find((p) => p.ideas.some((i) => i.id === c.productIdeaId))?.name ?? '',
      stars: c.stars,
      expiresOn: displayDate(c.expiresOn),
    })),
    decision: decision ? { number: decision.number, signedOn: displayDate(decision.signedOn), signer: decision.signer, signerTitle: decision.signerTitle } : null,
  };
}

/** The minutes as a workbook: the score table, and the decision's annex when there is one. */
export async function minutesWorkbook(minutes: MeetingMinutes, translate: Translate): Promise<Uint8Array> {
  const t = (key: string, vars?: Record<string, string>) => translate('vi', key, vars);
  const { default: ExcelJS } = await import('exceljs');
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet(t('minutes.sheet'));
  sheet.addRow([t('minutes.title')]).font = { bold: true, size: 14 };
  sheet.addRow([t('minutes.meeting', { council: minutes.council, date: minutes.date, time: minutes.time, place: minutes.place })]);
  sheet.addRow([t('minutes.present', { members: minutes.members.map((m) => `${m.name} (${m.role})`).join(', ') })]);
  sheet.addRow([]);
  const heading = sheet.addRow([t('minutes.column.n'), t('minutes.column.product'), t('minutes.column.receipt'), ...minutes.members.map((m) => m.name), t('minutes.column.average'), t('minutes.column.stars'), t('minutes.column.outcome')]);
  heading.font = { bold: true };
  minutes.products.forEach((p, i) => sheet.addRow([i + 1, p.name, p.receipt, ...minutes.members.map((m) => p.scores.get(String(m.id)) ?? ''), p.average, p.stars, p.outcome]));
  sheet.getColumn(2).width = 32;
  if (minutes.decision) {
    const annex = workbook.addWorksheet(t('minutes.annexSheet'));
    annex.addRow([t('minutes.annexTitle', { number: minutes.decision.number, date: minutes.decision.signedOn })]).font = { bold: true };
    annex.addRow([t('minutes.column.n'), t('minutes.column.certificate'), t('minutes.column.product'), t('minutes.column.producer'), t('minutes.column.stars'), t('minutes.column.expires')]).font = { bold: true };
    minutes.certificates.forEach((c, i) => annex.addRow([i + 1, c.number, c.product, c.producer, c.stars, c.expiresOn]));
  }
  return new Uint8Array(await workbook.xlsx.writeBuffer());
}

const pageSize: [number, number] = [841.89, 595.28];
const margin = 40;

/** The minutes as a PDF: the same contents, a product per paragraph, each member's score in it. */
export async function minutesPdf(minutes: MeetingMinutes, translate: Translate): Promise<Uint8Array> {
  const t = (key: string, vars?: Record<string, string>) => translate('vi', key, vars);
  const pdf = await PDFDocument.create();
  pdf.registerFontkit(fontkit);
  const files = await loadFontFiles();
  const regular = await pdf.embedFont(files.regular, { subset: true });
  const bold = await pdf.embedFont(files.bold, { subset: true });
  pdf.setTitle(t('minutes.title'));
  let page: PDFPage = pdf.addPage(pageSize);
  let y = pageSize[1] - margin;
  const write = (text: string, font: PDFFont, size: number, gap = 4) => {
    for (const line of wrapText(text, font, size, pageSize[0] - 2 * margin)) {
      if (y - size < margin) {
        page = pdf.addPage(pageSize);
        y = pageSize[1] - margin;
      }
      page.drawText(line, { x: margin, y: y - size, size, font, color: grayscale(0) });
      y -= size + gap;
    }
  };
  write(t('minutes.title'), bold, 16, 10);
  write(t('minutes.meeting', { council: minutes.council, date: minutes.date, time: minutes.time, place: minutes.place }), regular, 11);
  write(t('minutes.present', { members: minutes.members.map((m) => `${m.name} (${m.role})`).join(', ') }), regular, 11, 12);
  minutes.products.forEach((p, i) => {
    write(`${i + 1}. ${p.name} (${p.receipt})`, bold, 11);
    write(minutes.members.map((m) => `${m.name}: ${p.scores.get(String(m.id)) ?? '—'}`).join('; '), regular, 10);
    write(t('minutes.line', { average: p.average, stars: String(p.stars), outcome: p.outcome }), regular, 10, 10);
  });
  if (minutes.decision) {
    write(t('minutes.annexTitle', { number: minutes.decision.number, date: minutes.decision.signedOn }), bold, 12, 6);
    minutes.certificates.forEach((c, i) => write(`${i + 1}. ${c.number} · ${c.product} · ${c.producer} · ${c.stars}★ · ${t('minutes.column.expires')}: ${c.expiresOn}`, regular, 10));
  }
  return pdf.save({ useObjectStreams: true });
}
