import { createHash } from 'node:crypto';
import { getDocument, type PDFDocumentProxy } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { DeliveryReportRow } from '../../src/council/delivery-report.js';
import { deliveryReportTexts, renderDeliveryReport, type DeliveryReportInput } from '../../src/council/render-delivery-report.js';
import { createTranslator, locales } from '../../src/i18n/translator.js';
import { dictionaries } from '../helpers/conversation-harness.js';

const translate = createTranslator(dictionaries);
const texts = deliveryReportTexts(translate, 'vi');

// Some written decomposed on purpose: the report must print the precomposed letters.
const people = [
  'Nguyễn Thị Hồng Nhung',
  'Trần Văn Đức'.normalize('NFD'),
  'Lê Thị Ánh Tuyết',
  'Phạm Quốc Việt',
  'Hoàng Thị Thu Hằng'.normalize('NFD'),
  'Võ Minh Khôi',
  'Đặng Thị Mỹ Duyên',
  'Bùi Đức Thắng',
  'Đỗ Thị Phượng',
  'Hồ Ngọc Ánh',
  'Ngô Văn Lượng',
  'Dương Thị Quỳnh Như',
];
const products = [
  'Mật ong hoa nhãn Hưng Yên',
  'Nước mắm cốt cá cơm Phú Quốc',
  'Chè Shan tuyết cổ thụ Suối Giàng',
  'Gạo ST25 Sóc Trăng',
  'Bưởi da xanh Bến Tre',
  'Cà phê rang xay Buôn Ma Thuột',
  'Nem chua Thanh Hóa',
  'Bánh pía sầu riêng Sóc Trăng',
  'Miến dong Bình Liêu',
];
const unreachablePerson = 5;
const minute = 60_000;
const firstSend = Date.parse('2026-07-07T00:30:00Z');
// 00:05 on 7 July in Vietnam, still 6 July in UTC.
const justAfterMidnight = new Date('2026-07-06T17:05:00Z');

const sha = (...parts: (string | number)[]) => createHash('sha256').update(parts.join(':')).digest('hex');

function roleOf(index: number): keyof typeof texts.roles {
  if (index === 0) return 'chair';
  if (index === 1) return 'secretary';
  return index < 4 ? 'helper' : 'member';
}

/** How far a delivery got: stamps up to that step, later ones null. */
function progressed(status: DeliveryReportRow['status'], sentAt: Date): Pick<DeliveryReportRow, 'status' | 'sentAt' | 'receivedAt' | 'seenAt' | 'acknowledgedAt'> {
  const steps = ['sent', 'received', 'seen', 'acknowledged'];
  const reached = status === 'superseded' ? 3 : steps.indexOf(status) + 1;
  const at = (step: number) => (reached > step ? new Date(sentAt.getTime() + step * 7 * minute) : null);
  return { status, sentAt: at(0), receivedAt: at(1), seenAt: at(2), acknowledgedAt: at(3) };
}

/** 12 people × 11 deliveries: the meeting details, a first version later superseded, and 9 products. */
function makeRows(): DeliveryReportRow[] {
  return people.flatMap((person, p) => {
    const role = roleOf(p);
    const channel = p === unreachablePerson ? 'none' : p === 3 ? 'zns' : 'cs';
    const base = (i: number) => new Date(firstSend + (p * 11 + i) * 3 * minute);
    const detailsSentAt = p === 1 ? justAfterMidnight : base(0);
    const rows: DeliveryReportRow[] = [
      { person, role, product: null, packetVersion: null, packetSha256: null, channel, ...progressed('seen', detailsSentAt) },
      { person, role, product: products[0] ?? '', packetVersion: 1, packetSha256: sha(p, 0, 1), channel, ...progressed('superseded', base(1)) },
    ];
    products.forEach((product, i) => {
      const cycle: DeliveryReportRow['status'][] = ['acknowledged', 'seen', 'received', 'sent', 'queued'];
      const status = p === 7 && i === 3 ? 'failed' : (cycle[(p + i) % cycle.length] ?? 'queued');
      rows.push({ person, role, product, packetVersion: i === 0 ? 2 : 1, packetSha256: sha(p, i, i === 0 ? 2 : 1), channel, ...progressed(status, base(i + 2)) });
    });
    if (p !== unreachablePerson) return rows;
    return rows.map((row) => (row.status === 'superseded' ? { ...row, sentAt: null, receivedAt: null, seenAt: null } : { ...row, status: 'unreachable', sentAt: null, receivedAt: null, seenAt: null, acknowledgedAt: null }));
  });
}

const meeting: DeliveryReportInput['meeting'] = {
  council: 'Hội đồng đánh giá, phân hạng sản phẩm OCOP tỉnh Hưng Yên năm 2026',
  date: '2026-07-10',
  time: '08:00',
  place: 'Hội trường Sở Nông nghiệp và Môi trường tỉnh Hưng Yên',
  deliveryDeadline: new Date('2026-07-07T01:00:00Z'),
};
const generatedAt = new Date('2026-07-07T03:15:00Z');

async function openReport(bytes: Uint8Array): Promise<PDFDocumentProxy> {
  // pdfjs may take ownership of the buffer it is given: hand it a copy.
  return getDocument({ data: new Uint8Array(bytes), verbosity: 0, disableFontFace: true }).promise;
}

async function pageTexts(pdf: PDFDocumentProxy): Promise<string[]> {
  const texts: string[] = [];
  for (let n = 1; n <= pdf.numPages; n++) {
    const content = await (await pdf.getPage(n)).getTextContent();
    texts.push(content.items.map((item) => ('str' in item ? item.str : '')).join(' ').normalize('NFC'));
  }
  return texts;
}

/** Whitespace-free, so text split into several items or wrapped lines still matches. */
function squash(text: string): string {
  return text.normalize('NFC').replace(/\s+/g, '');
}

describe('renderDeliveryReport', () => {
  const rows = makeRows();
  let pages: string[];
  let all: string;

  beforeAll(async () => {
    const bytes = await renderDeliveryReport({ meeting, rows, generatedAt, texts });
    pages = await pageTexts(await openReport(bytes));
    all = pages.join('\n');
  });

  it('builds 132 deliveries with every status the report names', () => {
    expect(rows).toHaveLength(132);
    expect(new Set(rows.map((r) => r.status))).toEqual(new Set(['queued', 'sent', 'received', 'seen', 'acknowledged', 'unreachable', 'superseded', 'failed']));
  });

  it('runs over several pages, each with the column headings and "page / total"', () => {
    expect(pages.length).toBeGreaterThan(1);
    pages.forEach((text, index) => {
      for (const heading of Object.values(texts.columns)) expect(squash(text)).toContain(squash(heading));
      expect(text).toContain(`Trang ${index + 1} / ${pages.length}`);
    });
    // The meeting header once, a running title on the pages after it.
    expect(pages[0]).toContain(texts.title);
    expect(pages[0]).toContain(meeting.place);
    for (const text of pages.slice(1)) {
      expect(text).toContain(`${texts.title} · ${meeting.council}`);
      expect(text).not.toContain(meeting.place);
    }
  });

  it('prints every name with its diacritics and role, and a person continued past a break again', () => {
    for (const [p, person] of people.entries()) {
      expect(all).toContain(`${person.normalize('NFC')} (${texts.roles[roleOf(p)]})`);
    }
    expect(all).toContain(`, ${texts.continued}`);
    expect(squash(all)).toContain(squash(products[0] ?? ''));
    expect(squash(all)).toContain(squash(texts.meetingDetails));
  });

  it('prints every SHA-256 in full', () => {
    const digests = rows.flatMap((r) => (r.packetSha256 ? [r.packetSha256] : []));
    expect(digests).toHaveLength(120);
    for (const digest of digests) expect(squash(all)).toContain(digest);
  });

  it('prints the totals: deliveries, reached, acknowledged, unreachable, superseded', () => {
    const count = (statuses: DeliveryReportRow['status'][]) => rows.filter((r) => statuses.includes(r.status)).length;
    const expected = translate('vi', 'report.delivery.totals', {
      deliveries: '132',
      reached: String(count(['sent', 'received', 'seen', 'acknowledged'])),
      acknowledged: String(count(['acknowledged'])),
      unreachable: '10',
      superseded: '12',
    });
    expect(count(['unreachable'])).toBe(10);
    expect(count(['superseded'])).toBe(12);
    expect(squash(pages.at(-1) ?? '')).toContain(squash(expected));
  });

  it('prints "—" in every empty cell', () => {
    const stamps = (r: DeliveryReportRow) => [r.sentAt, r.receivedAt, r.seenAt, r.acknowledgedAt, r.packetVersion, r.packetSha256];
    const empty = rows.flatMap(stamps).filter((v) => v === null).length;
    expect(empty).toBeGreaterThan(0);
    expect(all.split('—').length - 1).toBe(empty);
  });

  it('prints times in Vietnam time, dd/mm/yyyy hh:mm', () => {
    const text = squash(all);
    expect(text).toContain('07/07/202607:30');
    // 17:05 UTC on 6 July is already 7 July in Vietnam.
    expect(text).toContain('07/07/202600:05');
    expect(text).not.toContain('06/07/202617:05');
    expect(squash(pages[0] ?? '')).toContain(squash(`${texts.deadlineLabel} 07/07/2026 08:00`));
    expect(squash(pages[0] ?? '')).toContain(squash(`${texts.generatedAtLabel} 07/07/2026 10:15`));
    expect(squash(pages[0] ?? '')).toContain(squash(`${texts.meetingAtLabel} 10/07/2026 08:00`));
  });

  it('gives the same bytes for the same data and instant', async () => {
    const again = await renderDeliveryReport({ meeting, rows, generatedAt, texts });
    const once = await renderDeliveryReport({ meeting, rows, generatedAt, texts });
    expect(Buffer.from(again).equals(Buffer.from(once))).toBe(true);
  });

  it('says so when nothing was delivered, with zero totals on one page', async () => {
    const empty = await pageTexts(await openReport(await renderDeliveryReport({ meeting, rows: [], generatedAt, texts })));
    expect(empty).toHaveLength(1);
    expect(empty[0]).toContain(texts.noDeliveries);
    expect(squash(empty[0] ?? '')).toContain(squash(translate('vi', 'report.delivery.totals', { deliveries: '0', reached: '0', acknowledged: '0', unreachable: '0', superseded: '0' })));
  });
});

describe('deliveryReportTexts', () => {
  it('finds every word of the report in both languages', () => {
    for (const locale of locales) expect(() => deliveryReportTexts(translate, locale)).not.toThrow();
    expect(deliveryReportTexts(translate, 'en').roles.helper).toBe('helper team');
    expect(deliveryReportTexts(translate, 'vi').statuses.acknowledged).toBe(dictionaries.vi['report.delivery.status.acknowledged']);
  });
});
