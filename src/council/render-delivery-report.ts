import { displayDate, displayVietnamDateTime } from '../calendar/calendar-date.js';
import fontkit from '@pdf-lib/fontkit';
import { PDFDocument, grayscale, type Color, type PDFFont, type PDFPage } from 'pdf-lib';
import type { Locale, Translate } from '../i18n/translator.js';
import { loadFontFiles } from '../pdf/load-font-files.js';
import { clean, fillTemplate, wrapText } from '../pdf/pdf-text.js';
import type { Database } from '../db/database.js';
import { reportMeetingDeliveries, type DeliveryReportRow } from './delivery-report.js';

type DeliveryStatus = DeliveryReportRow['status'];
type ColumnKey = 'product' | 'packetVersion' | 'packetSha256' | 'channel' | 'status' | 'sentAt' | 'receivedAt' | 'seenAt' | 'acknowledgedAt';

/**
 * Every word the report prints, already in the reader's language. `totals` uses
 * `{deliveries}`, `{reached}`, `{acknowledged}`, `{unreachable}` and `{superseded}`;
 * `pageFooter` uses `{page}` and `{total}`.
 */
export type DeliveryReportTexts = {
  title: string;
  councilLabel: string;
  meetingAtLabel: string;
  placeLabel: string;
  deadlineLabel: string;
  generatedAtLabel: string;
  /** Under the header: which clock the times are read on, and where they come from. */
  timeZoneNote: string;
  columns: Record<ColumnKey, string>;
  statuses: Record<DeliveryStatus, string>;
  roles: Record<'chair' | 'member' | 'helper' | 'secretary', string>;
  channels: Record<'cs' | 'template' | 'zns' | 'none', string>;
  /** In the product column of the delivery of the meeting details. */
  meetingDetails: string;
  /** After a person's name when their rows go on past a page break. */
  continued: string;
  noDeliveries: string;
  totals: string;
  pageFooter: string;
};

export type DeliveryReportInput = {
  meeting: {
    council: string;
    /** yyyy-mm-dd, the civil date in Vietnam */
    date: string;
    /** hh:mm in Vietnam */
    time: string;
    place: string;
    deliveryDeadline: Date;
  };
  /** As `reportMeetingDeliveries` returns them; grouped by person in the order people first appear. */
  rows: DeliveryReportRow[];
  generatedAt: Date;
  texts: DeliveryReportTexts;
};

/** The report's words from the locale files, with the role names the council messages use. */
export function deliveryReportTexts(translate: Translate, locale: Locale): DeliveryReportTexts {
  const t = (key: string) => translate(locale, key);
  return {
    title: t('report.delivery.title'),
    councilLabel: t('report.delivery.council'),
    meetingAtLabel: t('report.delivery.meetingAt'),
    placeLabel: t('report.delivery.place'),
    deadlineLabel: t('report.delivery.deadline'),
    generatedAtLabel: t('report.delivery.generatedAt'),
    timeZoneNote: t('report.delivery.timeZoneNote'),
    columns: {
      product: t('report.delivery.column.product'),
      packetVersion: t('report.delivery.column.packetVersion'),
      packetSha256: t('report.delivery.column.packetSha256'),
      channel: t('report.delivery.column.channel'),
      status: t('report.delivery.column.status'),
      sentAt: t('report.delivery.column.sentAt'),
      receivedAt: t('report.delivery.column.receivedAt'),
      seenAt: t('report.delivery.column.seenAt'),
      acknowledgedAt: t('report.delivery.column.acknowledgedAt'),
    },
    statuses: {
      queued: t('report.delivery.status.queued'),
      sent: t('report.delivery.status.sent'),
      received: t('report.delivery.status.received'),
      seen: t('report.delivery.status.seen'),
      acknowledged: t('report.delivery.status.acknowledged'),
      unreachable: t('report.delivery.status.unreachable'),
      superseded: t('report.delivery.status.superseded'),
      failed: t('report.delivery.status.failed'),
    },
    roles: {
      chair: t('council.role.chair'),
      member: t('council.role.member'),
      helper: t('council.role.helper'),
      secretary: t('council.role.secretary'),
    },
    channels: {
      cs: t('report.delivery.channel.cs'),
      template: t('report.delivery.channel.template'),
      zns: t('report.delivery.channel.zns'),
      none: t('report.delivery.channel.none'),
    },
    meetingDetails: t('report.delivery.meetingDetails'),
    continued: t('report.delivery.continued'),
    noDeliveries: t('report.delivery.noDeliveries'),
    totals: t('report.delivery.totals'),
    pageFooter: t('report.delivery.pageFooter'),
  };
}

type Fonts = { regular: PDFFont; bold: PDFFont; mono: PDFFont };
type TextRun = { text: string; x: number; y: number; font: PDFFont; size: number; color: Color };
type Rule = { x1: number; x2: number; y: number; thickness: number };
type Band = { y: number; height: number };
type PageDrawing = { runs: TextRun[]; rules: Rule[]; bands: Band[] };
type Column = { key: ColumnKey; width: number; mono: boolean };
type Cell = { lines: string[]; font: PDFFont; size: number };
type MeasuredRow = { cells: Cell[]; height: number };
type PersonGroup = { person: string; role: string; rows: DeliveryReportRow[] };

const page: [number, number] = [841.89, 595.28];
const margin = 36;
const contentWidth = page[0] - 2 * margin;
// Room kept under the table for the footer.
const bottom = 44;
const bodySize = 7.5;
const monoSize = 7;
const lineHeight = 9.5;
const cellPadX = 3;
const cellPadY = 3.5;
const black = grayscale(0);
const grey = grayscale(0.35);
const bandShade = grayscale(0.92);
const missing = '—';

// The digest column holds a SHA-256 as two lines of 32 hex digits; the timestamps fit
// "dd/mm/yyyy hh:mm" on one line; the product name takes what is left.
const fixedColumns: Column[] = [
  { key: 'packetVersion', width: 42, mono: false },
  { key: 'packetSha256', width: 142, mono: true },
  { key: 'channel', width: 66, mono: false },
  { key: 'status', width: 76, mono: false },
  { key: 'sentAt', width: 74, mono: false },
  { key: 'receivedAt', width: 74, mono: false },
  { key: 'seenAt', width: 74, mono: false },
  { key: 'acknowledgedAt', width: 74, mono: false },
];
const columns: Column[] = [{ key: 'product', width: contentWidth - fixedColumns.reduce((sum, c) => sum + c.width, 0), mono: false }, ...fixedColumns];
const reachedStatuses: ReadonlySet<DeliveryStatus> = new Set(['sent', 'received', 'seen', 'acknowledged']);

/**
 * The proof of delivery of a meeting as a PDF for its minutes: A4 landscape, the meeting
 * in a header, then one table row per delivery grouped by person (column headings on
 * every page), and the totals. Times are Vietnam time (UTC+7, no daylight saving).
 *
 * "Reached" counts the deliveries Zalo accepted or later reported on (sent, received,
 * seen, acknowledged), as the secretaries' summary at the deadline does; superseded
 * deliveries count only as superseded.
 */
export async function renderDeliveryReport(input: DeliveryReportInput): Promise<Uint8Array> {
  const fontFiles = await loadFontFiles();
  const out = await PDFDocument.create();
  out.registerFontkit(fontkit);
  out.setTitle(clean(`${input.texts.title} · ${input.meeting.council}`));
  // The same data rendered at the same instant gives the same bytes.
  out.setCreationDate(input.generatedAt);
  out.setModificationDate(input.generatedAt);
  const fonts: Fonts = {
    regular: await out.embedFont(fontFiles.regular, { subset: true }),
    bold: await out.embedFont(fontFiles.bold, { subset: true }),
    mono: await out.embedFont(fontFiles.mono, { subset: true }),
  };
  const drawings = layoutReport(input, fonts);
  drawings.forEach((drawing, index) => {
    const pdfPage = out.addPage(page);
    drawPage(pdfPage, drawing);
    drawFooter(pdfPage, fillTemplate(input.texts.pageFooter, { page: index + 1, total: drawings.length }), fonts.regular);
  });
  return out.save();
}

function layoutReport(input: DeliveryReportInput, fonts: Fonts): PageDrawing[] {
  const { texts } = input;
  const pages: PageDrawing[] = [];
  let current: PageDrawing = { runs: [], rules: [], bands: [] };
  let y = 0;
  let tableTop = 0;

  const write = (text: string, x: number, font: PDFFont, size: number, color: Color) => current.runs.push({ text, x, y: y - size, font, size, color });

  const startPage = () => {
    current = { runs: [], rules: [], bands: [] };
    pages.push(current);
    y = page[1] - margin;
    if (pages.length === 1) layoutHeader();
    else {
      // A loose page still says which meeting it belongs to.
      write(clean(`${texts.title} · ${input.meeting.council}`), margin, fonts.regular, 8, grey);
      y -= 16;
    }
    layoutColumnHeadings();
    tableTop = y;
  };

  const layoutHeader = () => {
    for (const line of wrapText(texts.title, fonts.bold, 15, contentWidth)) {
      write(line, margin, fonts.bold, 15, black);
      y -= 20;
    }
    y -= 6;
    const labelWidth = 130;
    const lines: [string, string][] = [
      [texts.councilLabel, input.meeting.council],
      [texts.meetingAtLabel, `${displayDate(input.meeting.date)} ${input.meeting.time}`],
      [texts.placeLabel, input.meeting.place],
      [texts.deadlineLabel, displayVietnamDateTime(input.meeting.deliveryDeadline)],
      [texts.generatedAtLabel, displayVietnamDateTime(input.generatedAt)],
    ];
    for (const [label, value] of lines) {
      const labelLines = wrapText(label, fonts.bold, 9, labelWidth - 8);
      const valueLines = wrapText(value, fonts.regular, 9.5, contentWidth - labelWidth);
      const top = y;
      labelLines.forEach((line, i) => current.runs.push({ text: line, x: margin, y: top - 9.5 - i * 13, font: fonts.bold, size: 9, color: grey }));
      valueLines.forEach((line, i) => current.runs.push({ text: line, x: margin + labelWidth, y: top - 9.5 - i * 13, font: fonts.regular, size: 9.5, color: black }));
      y -= Math.max(labelLines.length, valueLines.length) * 13 + 2;
    }
    y -= 2;
    for (const line of wrapText(texts.timeZoneNote, fonts.regular, 8, contentWidth)) {
      write(line, margin, fonts.regular, 8, grey);
      y -= 11;
    }
    y -= 8;
  };

  const layoutColumnHeadings = () => {
    const headings = measure(columns.map((c) => ({ text: texts.columns[c.key], font: fonts.bold, size: bodySize })));
    current.rules.push({ x1: margin, x2: margin + contentWidth, y, thickness: 0.8 });
    placeCells(headings, grey);
    y -= headings.height;
    current.rules.push({ x1: margin, x2: margin + contentWidth, y, thickness: 0.8 });
  };

  const measure = (cells: { text: string; font: PDFFont; size: number }[]): MeasuredRow => {
    const measured = cells.map((cell, i) => ({ lines: wrapText(cell.text, cell.font, cell.size, (columns[i]?.width ?? 0) - 2 * cellPadX), font: cell.font, size: cell.size }));
    return { cells: measured, height: Math.max(...measured.map((c) => c.lines.length)) * lineHeight + 2 * cellPadY };
  };

  const placeCells = (row: MeasuredRow, color: Color) => {
    let x = margin;
    row.cells.forEach((cell, i) => {
      cell.lines.forEach((line, n) => current.runs.push({ text: line, x: x + cellPadX, y: y - cellPadY - bodySize - n * lineHeight + 0.5, font: cell.font, size: cell.size, color }));
      x += columns[i]?.width ?? 0;
    });
  };

  // Whether a block of this height fits under y; a block taller than an empty page is drawn anyway.
  const fits = (height: number) => y - height >= bottom || y === tableTop;

  const personLabelLines = (group: PersonGroup, continued: boolean) => {
    const label = `${group.person} (${lookup(texts.roles, group.role)})`;
    return wrapText(continued ? `${label}, ${texts.continued}` : label, fonts.bold, 8.5, contentWidth - 2 * cellPadX);
  };

  const layoutPersonLabel = (group: PersonGroup, continued: boolean) => {
    const lines = personLabelLines(group, continued);
    const height = lines.length * 11 + 2 * cellPadY;
    current.bands.push({ y: y - height, height });
    lines.forEach((line, n) => current.runs.push({ text: line, x: margin + cellPadX, y: y - cellPadY - 8.5 - n * 11 + 0.5, font: fonts.bold, size: 8.5, color: black }));
    y -= height;
  };

  startPage();
  const groups = groupByPerson(input.rows);
  for (const group of groups) {
    const measured = group.rows.map((row) => measure(deliveryCells(row, texts, fonts)));
    // A name is never left alone at the foot of a page.
    if (!fits(personLabelLines(group, false).length * 11 + 2 * cellPadY + (measured[0]?.height ?? 0))) startPage();
    layoutPersonLabel(group, false);
    for (const row of measured) {
      if (!fits(row.height)) {
        startPage();
        layoutPersonLabel(group, true);
      }
      placeCells(row, black);
      y -= row.height;
      current.rules.push({ x1: margin, x2: margin + contentWidth, y, thickness: 0.3 });
    }
  }

  const closing: string[] = [];
  if (groups.length === 0) closing.push(...wrapText(texts.noDeliveries, fonts.regular, 9, contentWidth));
  const totalsLines = wrapText(fillTemplate(texts.totals, countDeliveries(input.rows)), fonts.bold, 9, contentWidth);
  if (!fits(12 + (closing.length + totalsLines.length) * 13)) startPage();
  y -= 12;
  for (const line of closing) {
    write(line, margin, fonts.regular, 9, black);
    y -= 13;
  }
  for (const line of totalsLines) {
    write(line, margin, fonts.bold, 9, black);
    y -= 13;
  }
  return pages;
}

function deliveryCells(row: DeliveryReportRow, texts: DeliveryReportTexts, fonts: Fonts): { text: string; font: PDFFont; size: number }[] {
  const values: Record<ColumnKey, string> = {
    product: row.product ?? texts.meetingDetails,
    packetVersion: row.packetVersion === null ? missing : String(row.packetVersion),
    packetSha256: row.packetSha256?.toLowerCase() ?? missing,
    channel: lookup(texts.channels, row.channel),
    status: texts.statuses[row.status],
    sentAt: formatStamp(row.sentAt),
    receivedAt: formatStamp(row.receivedAt),
    seenAt: formatStamp(row.seenAt),
    acknowledgedAt: formatStamp(row.acknowledgedAt),
  };
  return columns.map((c) => (c.mono && values[c.key] !== missing ? { text: values[c.key], font: fonts.mono, size: monoSize } : { text: values[c.key], font: fonts.regular, size: bodySize }));
}

/** A person's rows together, in the order the people first appear. */
function groupByPerson(rows: DeliveryReportRow[]): PersonGroup[] {
  const groups = new Map<string, PersonGroup>();
  for (const row of rows) {
    const key = `${row.person}\u0000${row.role}`;
    const group = groups.get(key) ?? { person: row.person, role: row.role, rows: [] };
    group.rows.push(row);
    groups.set(key, group);
  }
  return [...groups.values()];
}

function countDeliveries(rows: DeliveryReportRow[]): Record<string, number> {
  const count = (test: (status: DeliveryStatus) => boolean) => rows.filter((r) => test(r.status)).length;
  return {
    deliveries: rows.length,
    reached: count((s) => reachedStatuses.has(s)),
    acknowledged: count((s) => s === 'acknowledged'),
    unreachable: count((s) => s === 'unreachable'),
    superseded: count((s) => s === 'superseded'),
  };
}

/** A role or channel name in the reader's language; a value the texts do not know is printed as stored. */
function lookup(names: Record<string, string>, value: string): string {
  return Object.hasOwn(names, value) ? (names[value] ?? value) : value;
}

function formatStamp(at: Date | null): string {
  return at === null ? missing : displayVietnamDateTime(at);
}

function drawPage(pdfPage: PDFPage, drawing: PageDrawing): void {
  for (const band of drawing.bands) {
    pdfPage.drawRectangle({ x: margin, y: band.y, width: contentWidth, height: band.height, color: bandShade });
  }
  for (const rule of drawing.rules) {
    pdfPage.drawLine({ start: { x: rule.x1, y: rule.y }, end: { x: rule.x2, y: rule.y }, thickness: rule.thickness, color: grey });
  }
  for (const run of drawing.runs) {
    pdfPage.drawText(run.text, { x: run.x, y: run.y, font: run.font, size: run.size, color: run.color });
  }
}

function drawFooter(pdfPage: PDFPage, footer: string, font: PDFFont): void {
  const text = clean(footer);
  const size = 8;
  pdfPage.drawText(text, { x: (page[0] - font.widthOfTextAtSize(text, size)) / 2, y: 20, font, size, color: grey });
}

/** A meeting's proof of delivery as a PDF for its minutes, which are kept in Vietnamese. */
export async function renderMeetingDeliveryReport(
  db: Database,
  translate: Translate,
  meeting: { id: bigint; date: string; time: string; place: string; deliveryDeadline: Date; council: { name: string } },
  now: Date,
): Promise<Uint8Array> {
  return renderDeliveryReport({
    meeting: { council: meeting.council.name, date: meeting.date, time: meeting.time, place: meeting.place, deliveryDeadline: meeting.deliveryDeadline },
    rows: await reportMeetingDeliveries(db, meeting.id),
    generatedAt: now,
    texts: deliveryReportTexts(translate, 'vi'),
  });
}
