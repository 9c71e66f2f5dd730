import fontkit from '@pdf-lib/fontkit';
import { PDFDocument, grayscale, rgb, type Color, type PDFFont, type PDFPage } from 'pdf-lib';
import { displayDate, type CalendarDate } from '../calendar/calendar-date.js';
import { loadFontFiles } from '../pdf/load-font-files.js';
import { wrapText } from '../pdf/pdf-text.js';

// An OCOP certificate as a PDF, in Vietnamese (an official document): who issued it, the
// product and its producer, the stars, its number, the decision it follows and how long it
// is valid. One A4 page, landscape, every line centred.

export interface CertificatePdfInput {
  /** e.g. "Ủy ban nhân dân tỉnh Đồng Nai" */
  issuer: string;
  productName: string;
  producerName: string;
  /** commune and province, as written in the official list */
  address: string;
  stars: number;
  number: string;
  decision: { number: string; signedOn: CalendarDate; signer: string; signerTitle: string };
  expiresOn: CalendarDate;
  /** the rule set's title, e.g. "Quyết định số 26/2026/QĐ-TTg ngày 22/05/2026" */
  ruleSetTitle: string;
  /** every word printed, from the locale file (vi) */
  texts: { title: string; subtitle: string; product: string; producer: string; address: string; stars: string; number: string; decision: string; validUntil: string; ruleSet: string };
}

const size: [number, number] = [841.89, 595.28];
const fill = (template: string, values: Record<string, string>) => template.replace(/\{(\w+)\}/g, (whole, key: string) => values[key] ?? whole);

export async function renderCertificatePdf(input: CertificatePdfInput): Promise<Uint8Array> {
  const pdf = await PDFDocument.create();
  pdf.registerFontkit(fontkit);
  const files = await loadFontFiles();
  const regular = await pdf.embedFont(files.regular, { subset: true });
  const bold = await pdf.embedFont(files.bold, { subset: true });
  pdf.setTitle(`${input.texts.title} ${input.number}`);
  const page: PDFPage = pdf.addPage(size);
  const green = rgb(0.04, 0.43, 0.31);
  page.drawRectangle({ x: 24, y: 24, width: size[0] - 48, height: size[1] - 48, borderColor: green, borderWidth: 3 });
  let y = size[1] - 70;
  const centred = (text: string, font: PDFFont, fontSize: number, gap = 8, color: Color = grayscale(0)) => {
    for (const line of wrapText(text, font, fontSize, size[0] - 160)) {
      page.drawText(line, { x: (size[0] - font.widthOfTextAtSize(line, fontSize)) / 2, y: y - fontSize, size: fontSize, font, color });
      y -= fontSize + gap;
    }
  };
  centred(input.issuer.toUpperCase(), bold, 14, 14);
  centred(input.texts.title, bold, 26, 6, green);
  centred(input.texts.subtitle, bold, 16, 18, green);
  centred(input.productName, bold, 20, 12);
  centred(`${input.texts.producer}: ${input.producerName}`, regular, 13);
  centred(`${input.texts.address}: ${input.address}`, regular, 13, 14);
  centred(`${'★'.repeat(input.stars)}  ${fill(input.texts.stars, { stars: String(input.stars) })}`, bold, 18, 14, green);
  centred(`${input.texts.number}: ${input.number}`, regular, 13);
  centred(fill(input.texts.decision, { number: input.decision.number, date: displayDate(input.decision.signedOn), signerTitle: input.decision.signerTitle }), regular, 12);
  centred(fill(input.texts.validUntil, { date: displayDate(input.expiresOn) }), regular, 12);
  centred(`${input.texts.ruleSet}: ${input.ruleSetTitle}`, regular, 10, 18);
  centred(input.decision.signerTitle, bold, 12, 30);
  centred(input.decision.signer, bold, 12);
  return pdf.save({ useObjectStreams: true });
}
