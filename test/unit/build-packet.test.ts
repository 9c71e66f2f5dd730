import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PDFDocument, PDFName, PDFRawStream, degrees } from 'pdf-lib';
import { OPS, getDocument, type PDFDocumentProxy } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PacketDocumentMismatchError, buildPacket, type PacketCover, type PacketDocument, type PacketInput, type PacketResult, type PacketTexts } from '../../src/dossier/build-packet.js';
import { readJpegOrientation } from '../../src/dossier/jpeg-orientation.js';
import {
  addExifOrientation,
  describeDocument,
  makeDocx,
  makeEncryptedPdf,
  makeJpeg,
  makePdf,
  makePng,
  makeTruncatedPdf,
} from '../helpers/make-documents.js';

const texts: PacketTexts = {
  contentsHeading: 'Mục lục hồ sơ',
  itemColumn: 'Tài liệu',
  pagesColumn: 'Trang',
  sha256Label: 'SHA-256',
  pageRange: 'tr. {first}–{last}',
  singlePage: 'tr. {page}',
  deliveredBeside: 'Không in được, gửi kèm tập hồ sơ',
  notIncluded: 'Không thể đưa tài liệu này vào tập hồ sơ (tệp hỏng hoặc có mật khẩu).',
  pageFooter: '{page} / {total}',
};

const cover: PacketCover = {
  title: 'Hồ sơ đánh giá, phân hạng sản phẩm OCOP',
  lines: [
    { label: 'Sản phẩm', value: 'Mật ong hoa nhãn Hưng Yên' },
    { label: 'Chủ thể', value: 'Hợp tác xã Nông nghiệp Phù Ủng' },
    { label: 'Xã', value: 'Xã Phù Ủng, tỉnh Hưng Yên' },
    { label: 'Hình thức', value: 'Đánh giá lần đầu' },
    { label: 'Bộ tiêu chí', value: 'Bộ 01 – Thực phẩm tươi sống' },
    { label: 'Phiên bản hồ sơ', value: '3' },
    { label: 'Ngày', value: '08/07/2026' },
  ],
};

// Decomposed on purpose: the packet must print them with the font's precomposed letters.
const businessRegistration = 'Giấy chứng nhận đăng ký kinh doanh'.normalize('NFD');

let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(path.join(tmpdir(), 'build-packet-'));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

/** Builds into the test directory and reads the file back, as the caller of `buildPacket` would. */
async function buildPacketBytes(input: PacketInput): Promise<{ packet: PacketResult; bytes: Uint8Array }> {
  const packet = await buildPacket(input, { directory });
  const bytes = new Uint8Array(await readFile(packet.filePath));
  await rm(packet.filePath);
  return { packet, bytes };
}

async function openPacket(bytes: Uint8Array): Promise<PDFDocumentProxy> {
  // pdfjs may take ownership of the buffer it is given: hand it a copy.
  return getDocument({ data: new Uint8Array(bytes), verbosity: 0, disableFontFace: true }).promise;
}

async function pageText(pdf: PDFDocumentProxy, pageNumber: number): Promise<string> {
  const content = await (await pdf.getPage(pageNumber)).getTextContent();
  return content.items.map((item) => ('str' in item ? item.str : '')).join(' ').normalize('NFC');
}

/** Whitespace-free, so text split into several items or wrapped lines still matches. */
function squash(text: string): string {
  return text.normalize('NFC').replace(/\s+/g, '');
}

/** The transformation matrix in force when the page paints its (only) image. */
async function imagePlacement(pdf: PDFDocumentProxy, pageNumber: number): Promise<number[] | undefined> {
  const operators = await (await pdf.getPage(pageNumber)).getOperatorList();
  const paint = operators.fnArray.findIndex((fn) => fn === OPS.paintImageXObject);
  if (paint < 0) return undefined;
  const transform = operators.fnArray.lastIndexOf(OPS.transform, paint);
  const args: unknown = operators.argsArray[transform];
  return Array.isArray(args) ? args.map(Number) : undefined;
}

describe('readJpegOrientation', () => {
  const plain = makeJpeg({ width: 16, height: 8 });

  it('reads every orientation in both TIFF byte orders', () => {
    for (const orientation of [1, 2, 3, 4, 5, 6, 7, 8]) {
      expect(readJpegOrientation(addExifOrientation(plain, orientation, 'MM'))).toBe(orientation);
      expect(readJpegOrientation(addExifOrientation(plain, orientation, 'II'))).toBe(orientation);
    }
  });

  it('takes a photo without EXIF, with a nonsense value, or cut short as upright', () => {
    expect(readJpegOrientation(plain)).toBe(1);
    expect(readJpegOrientation(addExifOrientation(plain, 9))).toBe(1);
    expect(readJpegOrientation(addExifOrientation(plain, 6).subarray(0, 20))).toBe(1);
    expect(readJpegOrientation(new TextEncoder().encode('not a jpeg'))).toBe(1);
  });
});

describe('buildPacket', () => {
  const landscapeJpeg = makeJpeg({ width: 64, height: 48, seed: 3 });
  const sidewaysJpeg = addExifOrientation(makeJpeg({ width: 64, height: 48, seed: 4 }), 6);
  let documents: (PacketDocument & { reads: () => number })[];
  let packet: PacketResult;
  let bytes: Uint8Array;
  let pdf: PDFDocumentProxy;

  beforeAll(async () => {
    documents = [
      describeDocument({ itemTitle: businessRegistration, fileName: '01-giay-chung-nhan-dkkd.pdf', mediaType: 'application/pdf', bytes: await makePdf({ pages: 3, label: 'Business registration' }) }),
      describeDocument({ itemTitle: 'Phiếu kiểm nghiệm', fileName: '02-phieu-kiem-nghiem.jpg', mediaType: 'image/jpeg', bytes: sidewaysJpeg }),
      describeDocument({ itemTitle: 'Nhãn và bao bì sản phẩm', fileName: '03-nhan-bao-bi.jpg', mediaType: 'image/jpeg', bytes: landscapeJpeg }),
      describeDocument({ itemTitle: 'Ảnh sản phẩm', fileName: '04-anh-san-pham.png', mediaType: 'image/png', bytes: makePng({ width: 30, height: 40 }) }),
      describeDocument({ itemTitle: 'Phương án kinh doanh', fileName: '05-phuong-an-kinh-doanh.docx', mediaType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', bytes: makeDocx() }),
      describeDocument({ itemTitle: 'Hợp đồng thu mua nguyên liệu', fileName: '06-hop-dong-nguyen-lieu.pdf', mediaType: 'application/pdf', bytes: await makeTruncatedPdf() }),
      describeDocument({ itemTitle: 'Bản công bố chất lượng', fileName: '07-cong-bo-chat-luong.pdf', mediaType: 'application/pdf', bytes: await makeEncryptedPdf() }),
    ];
    ({ packet, bytes } = await buildPacketBytes({ cover, texts, documents }));
    pdf = await openPacket(bytes);
  });

  it('has the cover, one contents page, then every printable page; Word files add none', () => {
    // 1 cover + 1 contents + 3 PDF pages + 3 photos + 2 placeholders.
    expect(packet.pageCount).toBe(10);
    expect(pdf.numPages).toBe(10);
    expect(packet.contents.map((entry) => [entry.firstPage, entry.lastPage, entry.printable, entry.included])).toEqual([
      [3, 5, true, true],
      [6, 6, true, true],
      [7, 7, true, true],
      [8, 8, true, true],
      [null, null, false, false],
      [9, 9, true, false],
      [10, 10, true, false],
    ]);
    expect(documents[4]!.reads()).toBe(0);
    expect(documents.filter((document) => document.reads() > 1)).toEqual([]);
  });

  it('prints the cover in Vietnamese with its diacritics', async () => {
    const text = squash(await pageText(pdf, 1));
    for (const expected of [cover.title, ...cover.lines.flatMap((line) => [line.label, line.value])]) expect(text).toContain(squash(expected));
  });

  it('lists every document with its title, page range and full SHA-256', async () => {
    const text = squash(await pageText(pdf, 2));
    expect(text).toContain(squash(texts.contentsHeading));
    for (const title of ['Giấy chứng nhận đăng ký kinh doanh', 'Phiếu kiểm nghiệm', 'Nhãn và bao bì sản phẩm', 'Phương án kinh doanh']) expect(text).toContain(squash(title));
    for (const document of documents) expect(text).toContain(document.sha256);
    for (const range of ['tr. 3–5', 'tr. 6', 'tr. 7', 'tr. 8', 'tr. 9', 'tr. 10', texts.deliveredBeside]) expect(text).toContain(squash(range));
    expect(text).toContain(squash(texts.notIncluded));
  });

  it('copies every page of a PDF in order', async () => {
    for (const page of [1, 2, 3]) expect(await pageText(pdf, 2 + page)).toContain(`Business registration page ${page} of 3`);
  });

  it('draws a photo with EXIF orientation 6 turned a quarter clockwise, upright on a portrait page', async () => {
    const page = await pdf.getPage(6);
    const [, , width, height] = page.view;
    expect(width).toBeLessThan(height ?? 0);
    const [a, b, c, d] = (await imagePlacement(pdf, 6)) ?? [];
    // The image's x axis runs down the page, its y axis to the right.
    expect(Math.abs(a ?? 1)).toBeLessThan(1e-6);
    expect(Math.abs(d ?? 1)).toBeLessThan(1e-6);
    expect(b).toBeLessThan(0);
    expect(c).toBeGreaterThan(0);
  });

  it('puts an upright landscape photo on a landscape page, unturned', async () => {
    const page = await pdf.getPage(7);
    const [, , width, height] = page.view;
    expect(width).toBeGreaterThan(height ?? Infinity);
    const [a, b, c, d] = (await imagePlacement(pdf, 7)) ?? [];
    expect(a).toBeGreaterThan(0);
    expect(d).toBeGreaterThan(0);
    expect(b).toBe(0);
    expect(c).toBe(0);
  });

  it('places the PNG as an image', async () => {
    expect(await imagePlacement(pdf, 8)).toBeDefined();
  });

  it('embeds the JPEG bytes exactly as they were stored', async () => {
    const parsed = await PDFDocument.load(bytes, { throwOnInvalidObject: true });
    const jpegStreams = parsed.context
      .enumerateIndirectObjects()
      .map(([, object]) => object)
      .filter((object): object is PDFRawStream => object instanceof PDFRawStream && object.dict.get(PDFName.of('Filter')) === PDFName.of('DCTDecode'));
    const embedded = jpegStreams.map((stream) => Buffer.from(stream.contents));
    expect(embedded.some((bytes) => bytes.equals(Buffer.from(sidewaysJpeg)))).toBe(true);
    expect(embedded.some((bytes) => bytes.equals(Buffer.from(landscapeJpeg)))).toBe(true);
  });

  it('stands a page in for a broken or encrypted PDF instead of failing', async () => {
    for (const [pageNumber, title] of [[9, 'Hợp đồng thu mua nguyên liệu'], [10, 'Bản công bố chất lượng']] as const) {
      const text = squash(await pageText(pdf, pageNumber));
      expect(text).toContain(squash(title));
      expect(text).toContain(squash(texts.notIncluded));
    }
  });

  it('numbers every page after the cover', async () => {
    expect(await pageText(pdf, 1)).not.toContain('/ 10');
    for (let page = 2; page <= 10; page += 1) expect(await pageText(pdf, page)).toContain(`${page} / 10`);
  });

  it('reports the SHA-256 and size of its own file and embeds only the glyphs it uses', () => {
    expect(path.dirname(packet.filePath)).toBe(directory);
    expect(packet.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(packet.sizeBytes).toBe(bytes.length);
    // Whole DejaVu Sans, Bold and Mono would be about 1.7 MB.
    expect(bytes.length).toBeLessThan(150_000);
  });
});

describe('buildPacket with a long contents', () => {
  it('counts its own contents pages before numbering the documents', async () => {
    const photo = makeJpeg({ width: 24, height: 32 });
    const documents = Array.from({ length: 60 }, (_, i) =>
      describeDocument({ itemTitle: `Ảnh chụp nhãn và bao bì sản phẩm số ${i + 1}, mặt trước và mặt sau`, fileName: `anh-${i + 1}.jpg`, mediaType: 'image/jpeg', bytes: photo }),
    );
    const { packet, bytes } = await buildPacketBytes({ cover, texts, documents });
    const pdf = await openPacket(bytes);

    const contentsPages: number[] = [];
    for (let page = 2; page <= pdf.numPages; page += 1) {
      if (squash(await pageText(pdf, page)).includes(squash(texts.contentsHeading))) contentsPages.push(page);
    }
    expect(contentsPages.length).toBeGreaterThan(1);
    expect(contentsPages).toEqual(contentsPages.map((_, i) => i + 2));
    expect(pdf.numPages).toBe(1 + contentsPages.length + 60);
    const first = 2 + contentsPages.length;
    expect(packet.contents[0]).toMatchObject({ firstPage: first, lastPage: first });
    expect(packet.contents.at(-1)).toMatchObject({ firstPage: pdf.numPages, lastPage: pdf.numPages });
    expect(await imagePlacement(pdf, first - 1)).toBeUndefined();
    expect(await imagePlacement(pdf, first)).toBeDefined();
    const lastContents = squash(await pageText(pdf, first - 1));
    expect(lastContents).toContain(squash(`tr. ${pdf.numPages}`));
  });
});

describe('buildPacket and storage', () => {
  it('refuses bytes that are not the ones the dossier recorded, and leaves no file behind', async () => {
    const own = await mkdtemp(path.join(tmpdir(), 'build-packet-failed-'));
    try {
      // The first photo is placed and written to the file before the second one fails.
      const placed = describeDocument({ itemTitle: 'Nhãn sản phẩm', fileName: 'a.jpg', mediaType: 'image/jpeg', bytes: makeJpeg({ width: 8, height: 8, seed: 3 }) });
      const recorded = describeDocument({ itemTitle: 'Phiếu kiểm nghiệm', fileName: 'b.jpg', mediaType: 'image/jpeg', bytes: makeJpeg({ width: 8, height: 8, seed: 1 }) });
      const other = makeJpeg({ width: 8, height: 8, seed: 2 });
      await expect(buildPacket({ cover, texts, documents: [placed, { ...recorded, read: async () => other }] }, { directory: own })).rejects.toBeInstanceOf(PacketDocumentMismatchError);
      expect(placed.reads()).toBe(1);
      expect(await readdir(own)).toEqual([]);
    } finally {
      await rm(own, { recursive: true, force: true });
    }
  });
});

describe('buildPacket with turned PDF pages', () => {
  it('turns the footer with the page so it reads level at the bottom', async () => {
    const source = await PDFDocument.load(await makePdf({ pages: 1, label: 'Turned' }));
    source.getPage(0).setRotation(degrees(90));
    const document = describeDocument({ itemTitle: 'Bản đồ vùng nguyên liệu', fileName: 'ban-do.pdf', mediaType: 'application/pdf', bytes: await source.save() });
    const { bytes } = await buildPacketBytes({ cover, texts, documents: [document] });
    const pdf = await openPacket(bytes);
    const content = await (await pdf.getPage(3)).getTextContent();
    const footer = content.items.find((item) => 'str' in item && item.str === '3 / 3');
    const [a, b] = footer !== undefined && 'transform' in footer ? footer.transform.map(Number) : [];
    // Text running up the page's own y axis is level once the page is turned 90°.
    expect(Math.abs(a ?? 1)).toBeLessThan(1e-6);
    expect(b).toBeGreaterThan(0);
  });
});
