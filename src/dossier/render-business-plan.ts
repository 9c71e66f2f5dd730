import fontkit from '@pdf-lib/fontkit';
import { PDFDocument, grayscale, type PDFFont, type PDFPage } from 'pdf-lib';
import { displayDate, vietnamDateOf } from '../calendar/calendar-date.js';
import { loadFontFiles } from '../pdf/load-font-files.js';
import { wrapText } from '../pdf/pdf-text.js';

// The business plan a producer gave in the chat (market, production, raw materials,
// finance, risks), as the dossier's "Phương án, dự án sản xuất kinh doanh" item: a PDF in
// Vietnamese, the language of the dossier the commune and the council read.

export interface BusinessPlanPdfInput {
  productName: string;
  receiptNumber: string;
  producerName: string;
  representative: string;
  /** the plan's answers, each under its heading, in order */
  sections: { heading: string; text: string }[];
  /** when the producer gave it in the chat */
  givenAt: Date;
  texts: { title: string; product: string; receipt: string; producer: string; representative: string; source: string };
}

const pageSize: [number, number] = [595.28, 841.89];
const margin = 56;

export async function renderBusinessPlanPdf(input: BusinessPlanPdfInput): Promise<Uint8Array> {
  const pdf = await PDFDocument.create();
  pdf.registerFontkit(fontkit);
  const files = await loadFontFiles();
  const regular = await pdf.embedFont(files.regular, { subset: true });
  const bold = await pdf.embedFont(files.bold, { subset: true });
  pdf.setTitle(`${input.texts.title}: ${input.productName}`);
  pdf.setCreationDate(input.givenAt);
  pdf.setModificationDate(input.givenAt);
  const width = pageSize[0] - 2 * margin;
  let page: PDFPage = pdf.addPage(pageSize);
  let y = pageSize[1] - margin;

  const write = (text: string, font: PDFFont, size: number, gap = 4) => {
    for (const line of wrapText(text, font, size, width)) {
      if (y - size < margin) {
        page = pdf.addPage(pageSize);
        y = pageSize[1] - margin;
      }
      page.drawText(line, { x: margin, y: y - size, size, font, color: grayscale(0) });
      y -= size + gap;
    }
  };

  write(input.texts.title, bold, 16, 8);
  y -= 6;
  write(`${input.texts.product}: ${input.productName}`, regular, 11);
  write(`${input.texts.receipt}: ${input.receiptNumber}`, regular, 11);
  write(`${input.texts.producer}: ${input.producerName}`, regular, 11);
  write(`${input.texts.representative}: ${input.representative}`, regular, 11);
  write(input.texts.source.replace('{date}', displayDate(vietnamDateOf(input.givenAt))), regular, 9, 3);
  for (const section of input.sections) {
    y -= 10;
    write(section.heading, bold, 12, 6);
    write(section.text, regular, 11);
  }
  return pdf.save({ useObjectStreams: true });
}
