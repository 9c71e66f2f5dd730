import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { PDFArray, PDFDocument, PDFName, PDFRawStream, PDFRef, StandardFonts } from 'pdf-lib';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPacket, type PacketTexts } from '../../src/dossier/build-packet.js';
import { openStreamingPdfWriter } from '../../src/pdf/streaming-pdf-writer.js';
import { describeDocument, makeEncryptedPdf, makeJpeg, makePdf, makePng, makeTruncatedPdf } from '../helpers/make-documents.js';

let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(path.join(tmpdir(), 'streaming-pdf-'));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

let files = 0;
function newFilePath(): string {
  files += 1;
  return path.join(directory, `out-${files}.pdf`);
}

const latin1 = (bytes: Uint8Array, start: number, end: number) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1', start, end);

type XrefTable = { size: number; used: Map<number, number>; free: number[]; trailer: string };

/**
 * Reads the one classic cross-reference table the file ends with and checks it against
 * the bytes: `startxref` names where "xref" starts, every in-use entry's offset is where
 * "N G obj" starts, and the free entries form one list from entry 0.
 */
function readXrefTable(bytes: Uint8Array): XrefTable {
  const tail = latin1(bytes, Math.max(0, bytes.length - 64), bytes.length);
  const startxref = /startxref\n(\d+)\n%%EOF\n?$/.exec(tail);
  expect(startxref).not.toBeNull();
  const xrefOffset = Number(startxref?.[1]);
  const section = latin1(bytes, xrefOffset, bytes.length);
  const head = /^xref\n0 (\d+)\n/.exec(section);
  expect(head).not.toBeNull();
  const size = Number(head?.[1]);
  const entriesStart = head?.[0].length ?? 0;
  const used = new Map<number, number>();
  const free: number[] = [];
  const nextFree = new Map<number, number>();
  for (let objectNumber = 0; objectNumber < size; objectNumber += 1) {
    const entry = section.slice(entriesStart + objectNumber * 20, entriesStart + (objectNumber + 1) * 20);
    const match = /^(\d{10}) (\d{5}) ([nf]) \n$/.exec(entry);
    expect(match, `entry ${objectNumber}: ${JSON.stringify(entry)}`).not.toBeNull();
    const [, offset, generation, type] = match ?? [];
    if (type === 'n') {
      used.set(objectNumber, Number(offset));
      expect(latin1(bytes, Number(offset), Number(offset) + 40)).toMatch(new RegExp(`^${objectNumber} ${Number(generation)} obj\\n`));
    } else {
      nextFree.set(objectNumber, Number(offset));
      if (objectNumber > 0) free.push(objectNumber);
    }
  }
  expect(used.has(0)).toBe(false);
  // The free list starts at entry 0 (generation 65535) and visits every free entry once.
  expect(section.slice(entriesStart + 11, entriesStart + 16)).toBe('65535');
  const visited: number[] = [];
  for (let at = nextFree.get(0) ?? 0; at !== 0; at = nextFree.get(at) ?? 0) visited.push(at);
  expect(visited).toEqual(free);
  const trailer = section.slice(entriesStart + size * 20);
  expect(trailer).toMatch(/^trailer\n<<[^]*\/Size (\d+)[^]*>>\nstartxref\n/);
  expect(Number(/\/Size (\d+)/.exec(trailer)?.[1])).toBe(size);
  return { size, used, free, trailer };
}

/** A PDF whose pages name one content stream directly, not an array of them, as many scanners write it. */
async function makeSingleStreamPdf(): Promise<Uint8Array> {
  const document = await PDFDocument.load(await makePdf({ pages: 2, label: 'Single stream' }));
  for (const page of document.getPages()) {
    const contents = page.node.Contents();
    const only = contents instanceof PDFArray ? contents.get(0) : undefined;
    if (!(only instanceof PDFRef)) throw new Error('expected one content stream');
    page.node.set(PDFName.of('Contents'), only);
  }
  return document.save({ useObjectStreams: false });
}

async function pdfjsText(bytes: Uint8Array): Promise<{ pages: number; text: string }> {
  // pdfjs may take ownership of the buffer it is given: hand it a copy.
  const pdf = await getDocument({ data: new Uint8Array(bytes), verbosity: 0, disableFontFace: true }).promise;
  const texts: string[] = [];
  for (let page = 1; page <= pdf.numPages; page += 1) {
    const content = await (await pdf.getPage(page)).getTextContent();
    texts.push(content.items.map((item) => ('str' in item ? item.str : '')).join(' '));
  }
  return { pages: pdf.numPages, text: texts.join('\n').normalize('NFC') };
}

// Whether an object was let go is only seen after a full collection; vitest runs without --expose-gc.
setFlagsFromString('--expose-gc');
const collectGarbage: unknown = runInNewContext('gc');

describe('openStreamingPdfWriter', () => {
  it('writes streams early and the rest at the end, with an exact cross-reference table', async () => {
    const document = await PDFDocument.create();
    document.setTitle('Streaming');
    const font = await document.embedFont(StandardFonts.Helvetica);
    const photo = makeJpeg({ width: 40, height: 30, seed: 5 });
    const image = await document.embedJpg(photo);
    const first = document.addPage([300, 300]);
    first.drawImage(image, { x: 10, y: 10, width: 200, height: 150 });
    first.drawText('First page', { x: 10, y: 250, size: 12, font });
    await image.embed();

    const filePath = newFilePath();
    const writer = await openStreamingPdfWriter(document.context, filePath);
    await writer.writeObjects([image.ref]);
    // Gone from the document: nothing in memory holds the photo for the file any more.
    expect(document.context.lookup(image.ref)).toBeUndefined();
    expect(await stat(filePath).then((info) => info.size)).toBeGreaterThan(0);

    // Numbers taken and never used, or an object dropped, leave gaps in the numbering.
    document.context.nextRef();
    document.context.delete(document.context.register(document.context.obj({ Dropped: true })));
    document.addPage([300, 300]).drawText('Second page', { x: 10, y: 250, size: 12, font });
    await document.flush();
    const written = await writer.finish();

    const bytes = new Uint8Array(await readFile(filePath));
    expect(written).toEqual({ sizeBytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') });
    expect(latin1(bytes, 0, 9)).toBe('%PDF-1.7\n');
    const xref = readXrefTable(bytes);
    expect(xref.size).toBe(document.context.largestObjectNumber + 1);
    expect(xref.free.length).toBeGreaterThanOrEqual(2);
    expect(xref.trailer).toContain(`/Root ${document.context.trailerInfo.Root?.toString()}`);
    expect(xref.trailer).toContain(`/Info ${document.context.trailerInfo.Info?.toString()}`);
    // The photo was written before everything left for the end.
    expect(Math.min(...xref.used.values())).toBe(xref.used.get(image.ref.objectNumber));

    const parsed = await PDFDocument.load(bytes, { throwOnInvalidObject: true });
    expect(parsed.getPageCount()).toBe(2);
    expect(parsed.getTitle()).toBe('Streaming');
    const embedded = parsed.context.lookup(image.ref);
    expect(embedded).toBeInstanceOf(PDFRawStream);
    expect(embedded instanceof PDFRawStream && embedded.dict.get(PDFName.of('Subtype'))).toBe(PDFName.of('Image'));
    expect(embedded instanceof PDFRawStream && Buffer.from(embedded.contents).equals(Buffer.from(photo))).toBe(true);

    const read = await pdfjsText(bytes);
    expect(read.pages).toBe(2);
    expect(read.text).toContain('First page');
    expect(read.text).toContain('Second page');
  });

  it('lets go of what it has written', async () => {
    expect(typeof collectGarbage).toBe('function');
    const document = await PDFDocument.create();
    document.addPage();
    let ref: PDFRef | undefined = document.context.register(document.context.stream(new Uint8Array(4_000_000), { Type: 'XObject' }));
    const contents = new WeakRef((document.context.lookup(ref) as PDFRawStream).contents);
    const writer = await openStreamingPdfWriter(document.context, newFilePath());
    await writer.writeObjects([ref]);
    ref = undefined;
    // WeakRef targets are kept to the end of the current job: let it end first.
    await new Promise((resolve) => setImmediate(resolve));
    if (typeof collectGarbage === 'function') collectGarbage();
    expect(contents.deref()).toBeUndefined();
    await writer.finish();
  });

  it('removes the partial file when the build fails, and refuses to go on', async () => {
    const document = await PDFDocument.create();
    document.addPage();
    const streamRef = document.context.register(document.context.stream(new Uint8Array(100_000)));
    const filePath = newFilePath();
    const writer = await openStreamingPdfWriter(document.context, filePath);
    await writer.writeObjects([streamRef]);
    // Written twice would put two objects under one number.
    await expect(writer.writeObjects([streamRef])).rejects.toThrow(/not in the document/);
    expect((await stat(filePath)).size).toBeGreaterThan(100_000);
    await writer.discard();
    await expect(stat(filePath)).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(writer.finish()).rejects.toThrow(/discarded/);
    await writer.discard();
  });

  it('never replaces an existing file', async () => {
    const document = await PDFDocument.create();
    const filePath = newFilePath();
    const writer = await openStreamingPdfWriter(document.context, filePath);
    await expect(openStreamingPdfWriter(document.context, filePath)).rejects.toMatchObject({ code: 'EEXIST' });
    await writer.discard();
  });
});

describe('a packet written by buildPacket', () => {
  const texts: PacketTexts = {
    contentsHeading: 'Mục lục',
    itemColumn: 'Tài liệu',
    pagesColumn: 'Trang',
    sha256Label: 'SHA-256',
    pageRange: 'tr. {first}–{last}',
    singlePage: 'tr. {page}',
    deliveredBeside: 'Gửi kèm',
    notIncluded: 'Không thể đưa tài liệu này vào tập hồ sơ.',
    pageFooter: '{page} / {total}',
  };

  it('is a valid PDF with an exact cross-reference table, photos and copied pages written before the page tree', async () => {
    const own = await mkdtemp(path.join(tmpdir(), 'streaming-packet-'));
    try {
      const documents = [
        describeDocument({ itemTitle: 'Ảnh sản phẩm', fileName: 'a.jpg', mediaType: 'image/jpeg', bytes: makeJpeg({ width: 64, height: 48, seed: 9 }) }),
        describeDocument({ itemTitle: 'Hợp đồng hỏng', fileName: 'b.pdf', mediaType: 'application/pdf', bytes: await makeTruncatedPdf() }),
        describeDocument({ itemTitle: 'Phiếu đăng ký', fileName: 'c.pdf', mediaType: 'application/pdf', bytes: await makePdf({ pages: 2, label: 'Copied', lines: 5 }) }),
        describeDocument({ itemTitle: 'Có mật khẩu', fileName: 'd.pdf', mediaType: 'application/pdf', bytes: await makeEncryptedPdf() }),
        describeDocument({ itemTitle: 'Nhãn', fileName: 'e.png', mediaType: 'image/png', bytes: makePng({ width: 20, height: 20 }) }),
        describeDocument({ itemTitle: 'Bản quét', fileName: 'f.pdf', mediaType: 'application/pdf', bytes: await makeSingleStreamPdf() }),
      ];
      const packet = await buildPacket({ cover: { title: 'Hồ sơ', lines: [] }, texts, documents }, { directory: own });
      expect(await readdir(own)).toEqual([path.basename(packet.filePath)]);
      const bytes = new Uint8Array(await readFile(packet.filePath));
      expect(packet.sizeBytes).toBe(bytes.length);
      expect(packet.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));

      const xref = readXrefTable(bytes);
      const parsed = await PDFDocument.load(bytes, { throwOnInvalidObject: true });
      // cover, contents, photo, placeholder, 2 copied pages, placeholder, PNG, 2 copied pages
      expect(parsed.getPageCount()).toBe(10);
      const offsetOf = (ref: PDFRef) => xref.used.get(ref.objectNumber) ?? Number.NaN;
      const catalogOffset = offsetOf(parsed.context.trailerInfo.Root as PDFRef);
      const streams = parsed.context.enumerateIndirectObjects().filter(([, object]) => object instanceof PDFRawStream);
      const images = streams.filter(([, object]) => object instanceof PDFRawStream && object.dict.get(PDFName.of('Subtype')) === PDFName.of('Image'));
      expect(images.length).toBe(2);
      for (const [ref] of images) expect(offsetOf(ref)).toBeLessThan(catalogOffset);
      // Each copied page's own content stream was written early too; what the footer added, at the end.
      for (const page of [...parsed.getPages().slice(4, 6), ...parsed.getPages().slice(8)]) {
        const contents = page.node.Contents();
        const refs = contents instanceof PDFArray ? contents.asArray().filter((item): item is PDFRef => item instanceof PDFRef) : [];
        expect(refs.some((ref) => offsetOf(ref) < catalogOffset)).toBe(true);
        expect(refs.some((ref) => offsetOf(ref) > catalogOffset)).toBe(true);
      }

      const read = await pdfjsText(bytes);
      expect(read.pages).toBe(10);
      expect(read.text).toContain('Copied page 2 of 2');
      // A page naming one stream still shows it once the footer is added beside it.
      expect(read.text).toContain('Single stream page 1 of 2');
      expect(read.text).toContain('Single stream page 2 of 2');
      expect(read.text).toContain('10 / 10');
    } finally {
      await rm(own, { recursive: true, force: true });
    }
  });
});
