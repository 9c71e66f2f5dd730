import { createHash, randomUUID } from 'node:crypto';
import path from 'node:path';
import fontkit from '@pdf-lib/fontkit';
import {
  PDFDocument,
  PDFRawStream,
  concatTransformationMatrix,
  degrees,
  drawObject,
  grayscale,
  popGraphicsState,
  pushGraphicsState,
  type Color,
  type PDFContext,
  type PDFFont,
  type PDFImage,
  type PDFPage,
  type PDFRef,
} from 'pdf-lib';
import { loadFontFiles } from '../pdf/load-font-files.js';
import { clean, fillTemplate, wrapText } from '../pdf/pdf-text.js';
import { openStreamingPdfWriter } from '../pdf/streaming-pdf-writer.js';
import { readJpegOrientation, type JpegOrientation } from './jpeg-orientation.js';

export type PacketMediaType =
  | 'application/pdf'
  | 'image/jpeg'
  | 'image/png'
  | 'application/msword'
  | 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';

/** One document of the dossier, in checklist order. */
export type PacketDocument = {
  /** The checklist item it answers, e.g. "Giấy chứng nhận đăng ký kinh doanh". */
  itemTitle: string;
  /** The generated display name of the file. */
  fileName: string;
  mediaType: PacketMediaType;
  /** Hex SHA-256 of the stored bytes, printed in the contents so a member can check the file. */
  sha256: string;
  /** Checked with `sha256` when the bytes are read: a packet must never print a digest its pages do not have. */
  sizeBytes: number;
  /** Loads the bytes; called only when this document is placed, at most once, never for Word files. */
  read: () => Promise<Uint8Array>;
};

/**
 * Every word the packet prints, already in the reader's language. Templates use
 * `{first}`, `{last}`, `{page}` and `{total}`.
 */
export type PacketTexts = {
  /** Heading of the contents page(s), e.g. "Mục lục". */
  contentsHeading: string;
  /** Column heading over the item titles, e.g. "Tài liệu". */
  itemColumn: string;
  /** Column heading over the page ranges, e.g. "Trang". */
  pagesColumn: string;
  /** Label before each digest, e.g. "SHA-256". */
  sha256Label: string;
  /** A document over several pages, e.g. "tr. {first}–{last}". */
  pageRange: string;
  /** A document on one page, e.g. "tr. {page}". */
  singlePage: string;
  /** In place of the page range of a Word file, e.g. "Không in được, gửi kèm tập hồ sơ". */
  deliveredBeside: string;
  /** On the page standing for a document that could not be read, and beside it in the contents. */
  notIncluded: string;
  /** Footer of every page after the cover, e.g. "{page} / {total}". */
  pageFooter: string;
};

export type PacketCover = {
  title: string;
  /** Shown in this order, e.g. product, producer, commune, kind, rule set, dossier version, date. */
  lines: { label: string; value: string }[];
};

export type PacketInput = {
  cover: PacketCover;
  texts: PacketTexts;
  documents: PacketDocument[];
};

export type PacketContentsEntry = {
  itemTitle: string;
  fileName: string;
  sha256: string;
  /** PDF or photo: its pages belong in the packet. False for Word files, delivered beside it. */
  printable: boolean;
  /**
   * Its own pages are in the packet. False for a Word file, and for a printable document
   * that could not be read (encrypted, broken): one placeholder page stands for it.
   */
  included: boolean;
  /** Packet page numbers, 1-based (the cover is page 1); null for a Word file. */
  firstPage: number | null;
  lastPage: number | null;
};

export type PacketOptions = {
  /** Where the packet file is written; the directory must exist. */
  directory: string;
};

export type PacketResult = {
  /** The packet, in `options.directory`: the caller reads it and removes it. */
  filePath: string;
  sizeBytes: number;
  pageCount: number;
  /** Hex SHA-256 of the file's bytes. */
  sha256: string;
  contents: PacketContentsEntry[];
};

/** The bytes `read` returned are not the ones the dossier recorded: the packet would print a false digest. */
export class PacketDocumentMismatchError extends Error {
  override name = 'PacketDocumentMismatchError';
  constructor(readonly itemTitle: string) {
    super(`the stored bytes of "${itemTitle}" do not match their recorded size and SHA-256`);
  }
}

type Fonts = { regular: PDFFont; bold: PDFFont; mono: PDFFont };
type TextRun = { text: string; x: number; y: number; font: PDFFont; size: number; color: Color };
type Rule = { x1: number; x2: number; y: number };
type PageDrawing = { runs: TextRun[]; rules: Rule[] };
type Placement = { pageCount: number; included: boolean };
type PlacedDocument = { document: PacketDocument; placement: Placement };
type ContentsRow = { entry: PacketContentsEntry; pagesText: string };

const a4: [number, number] = [595.28, 841.89];
const margin = 56;
const contentWidth = a4[0] - 2 * margin;
const photoMargin = 36;
// Room kept under a photo for the footer.
const photoBottom = 40;
const black = grayscale(0);
const grey = grayscale(0.35);

const wordTypes: ReadonlySet<PacketMediaType> = new Set([
  'application/msword',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
]);

/**
 * Builds the one PDF a council member receives for a product and dossier version: the
 * cover, the contents (page ranges and SHA-256 of every document), then every printable
 * document in checklist order, with "page / total" under every page after the cover.
 *
 * - Photos: one A4 page each, upright (JPEG EXIF Orientation applied when drawing),
 *   scaled to fit the margins; the page is landscape when the upright photo is wider
 *   than tall, so it prints as large as the sheet allows. JPEG bytes are embedded as
 *   they are, never decoded. PNG is re-compressed by pdf-lib (PNG cannot be embedded raw).
 * - PDFs: all their pages, copied. An encrypted or unreadable PDF or image gets one page
 *   saying so (`texts.notIncluded`) and `included: false`; the build goes on.
 * - Word files add no pages: the contents says they are delivered beside the packet.
 *
 * Documents are placed first and the cover and contents inserted in front afterwards,
 * so each document is read once; only the contents page count is found by a fixed-point
 * layout (wider page numbers can wrap onto another contents page).
 *
 * The packet is written to a file as it is built: once a document is placed, its photos
 * and copied streams go to the file and leave memory, so memory follows the largest
 * document, not the dossier. Pages themselves stay until the end, when the total page
 * count is known for the footers. On failure no file is left behind.
 */
export async function buildPacket(input: PacketInput, options: PacketOptions): Promise<PacketResult> {
  const fontFiles = await loadFontFiles();
  const out = await PDFDocument.create();
  out.registerFontkit(fontkit);
  out.setTitle(clean(input.cover.title));
  const fonts: Fonts = {
    regular: await out.embedFont(fontFiles.regular, { subset: true }),
    bold: await out.embedFont(fontFiles.bold, { subset: true }),
    mono: await out.embedFont(fontFiles.mono, { subset: true }),
  };

  const writer = await openStreamingPdfWriter(out.context, path.join(options.directory, `packet-${randomUUID()}.pdf`));
  try {
    const placed: PlacedDocument[] = [];
    for (const document of input.documents) {
      const firstObjectNumber = out.context.largestObjectNumber + 1;
      placed.push({ document, placement: await placeDocument(out, document, fonts, input.texts) });
      // Written only now that the document is settled: a failed attempt removes its pages,
      // and what it left in the context (unreferenced) may go to the file as well.
      await writer.writeObjects(finishedStreamsFrom(out.context, firstObjectNumber));
    }
    const { pageCount, contents } = finishPages(out, placed, fonts, input);
    // What `PDFDocument.save()` does before writing: embed the fonts (subset to the glyphs
    // drawn) and any image still waiting. It also adds a page to an empty document (the
    // packet always has its cover) and refreshes form fields (the packet has no form).
    await out.flush();
    const written = await writer.finish();
    return { filePath: writer.filePath, sizeBytes: written.sizeBytes, sha256: written.sha256, pageCount, contents };
  } catch (error) {
    await writer.discard();
    throw error;
  }
}

/**
 * The streams added since `firstObjectNumber` whose bytes are final: images and
 * everything copied from a PDF. Content streams pdf-lib draws into stay in memory: the
 * footer is added to them at the end, and they are small.
 */
function finishedStreamsFrom(context: PDFContext, firstObjectNumber: number): PDFRef[] {
  return context
    .enumerateIndirectObjects()
    .filter(([ref, object]) => ref.objectNumber >= firstObjectNumber && object instanceof PDFRawStream)
    .map(([ref]) => ref);
}

/** Inserts the cover and contents in front and numbers every page after the cover. */
function finishPages(out: PDFDocument, placed: PlacedDocument[], fonts: Fonts, input: PacketInput): { pageCount: number; contents: PacketContentsEntry[] } {
  const coverPages = layoutCover(input.cover, fonts);
  // Page numbers in the contents depend on its own length. More contents pages only make
  // the numbers larger (never shorter lines), so this settles after a pass or two.
  let contentsPageCount = 1;
  let contents = describeContents(placed, coverPages.length + contentsPageCount + 1, input.texts);
  let contentsPages = layoutContents(contents, fonts, input.texts);
  while (contentsPages.length !== contentsPageCount) {
    contentsPageCount = contentsPages.length;
    contents = describeContents(placed, coverPages.length + contentsPageCount + 1, input.texts);
    contentsPages = layoutContents(contents, fonts, input.texts);
  }
  [...coverPages, ...contentsPages].forEach((drawing, index) => drawPage(out.insertPage(index, a4), drawing));

  const pages = out.getPages();
  pages.slice(coverPages.length).forEach((page, index) => {
    drawFooter(page, fillTemplate(input.texts.pageFooter, { page: coverPages.length + index + 1, total: pages.length }), fonts.regular);
  });
  return { pageCount: pages.length, contents: contents.map(({ entry }) => entry) };
}

async function placeDocument(out: PDFDocument, document: PacketDocument, fonts: Fonts, texts: PacketTexts): Promise<Placement> {
  if (wordTypes.has(document.mediaType)) return { pageCount: 0, included: false };
  const bytes = await document.read();
  checkDocumentBytes(document, bytes);
  const placed = await tryPlacePrintable(out, document.mediaType, bytes);
  if (placed > 0) return { pageCount: placed, included: true };
  drawPage(out.addPage(a4), layoutPlaceholder(document, fonts, texts));
  return { pageCount: 1, included: false };
}

function checkDocumentBytes(document: PacketDocument, bytes: Uint8Array): void {
  const digest = createHash('sha256').update(bytes).digest('hex');
  if (bytes.length !== document.sizeBytes || digest !== document.sha256.toLowerCase()) {
    throw new PacketDocumentMismatchError(document.itemTitle);
  }
}

/** Pages added; 0 when the document cannot be read, with nothing left of it in the packet. */
async function tryPlacePrintable(out: PDFDocument, mediaType: PacketMediaType, bytes: Uint8Array): Promise<number> {
  const pagesBefore = out.getPageCount();
  try {
    if (mediaType === 'image/jpeg' || mediaType === 'image/png') {
      const image = mediaType === 'image/jpeg' ? await out.embedJpg(bytes) : await out.embedPng(bytes);
      addPhotoPage(out, image, mediaType === 'image/jpeg' ? readJpegOrientation(bytes) : 1);
      // pdf-lib would put the image into the context only when saving; now, so it can be
      // written with its page. The image then lets go of its embedder and the bytes.
      await image.embed();
      return 1;
    }
    // Encrypted PDFs are refused: copied without their key, their pages would be garbage.
    const source = await PDFDocument.load(bytes, { updateMetadata: false });
    const copied = await out.copyPages(source, source.getPageIndices());
    for (const page of copied) {
      out.addPage(page);
      // Done now rather than when the footer is drawn: it turns a single content stream
      // into an array and looks the stream up to do so, which it could not once written.
      page.node.normalize();
    }
    return copied.length;
  } catch {
    // The file itself is at fault (broken, encrypted, not what its type says): a page says so.
    while (out.getPageCount() > pagesBefore) out.removePage(out.getPageCount() - 1);
    return 0;
  }
}

function addPhotoPage(out: PDFDocument, image: PDFImage, orientation: JpegOrientation): void {
  const turned = orientation >= 5;
  const uprightWidth = turned ? image.height : image.width;
  const uprightHeight = turned ? image.width : image.height;
  if (!(uprightWidth > 0 && uprightHeight > 0)) throw new Error('image without pixels');
  const [pageWidth, pageHeight] = uprightWidth > uprightHeight ? [a4[1], a4[0]] : a4;
  const page = out.addPage([pageWidth, pageHeight]);
  const areaWidth = pageWidth - 2 * photoMargin;
  const areaHeight = pageHeight - photoMargin - photoBottom;
  const scale = Math.min(areaWidth / uprightWidth, areaHeight / uprightHeight);
  const width = uprightWidth * scale;
  const height = uprightHeight * scale;
  const box = { x: photoMargin + (areaWidth - width) / 2, y: photoBottom + (areaHeight - height) / 2, width, height };
  const name = page.node.newXObject('Image', image.ref);
  page.pushOperators(pushGraphicsState(), concatTransformationMatrix(...orientationMatrix(orientation, box)), drawObject(name), popGraphicsState());
}

/**
 * The matrix that maps the image's unit square (stored pixels, first row at the top)
 * onto `box` as the EXIF orientation says the photo is seen upright.
 */
function orientationMatrix(orientation: JpegOrientation, box: { x: number; y: number; width: number; height: number }): [number, number, number, number, number, number] {
  const { x, y, width: w, height: h } = box;
  switch (orientation) {
    case 1:
      return [w, 0, 0, h, x, y];
    case 2:
      return [-w, 0, 0, h, x + w, y];
    case 3:
      return [-w, 0, 0, -h, x + w, y + h];
    case 4:
      return [w, 0, 0, -h, x, y + h];
    case 5:
      return [0, -h, -w, 0, x + w, y + h];
    case 6:
      return [0, -h, w, 0, x, y + h];
    case 7:
      return [0, h, w, 0, x, y];
    case 8:
      return [0, h, -w, 0, x + w, y];
  }
}

/** Contents rows once the documents start at packet page `firstDocumentPage`. */
function describeContents(placed: PlacedDocument[], firstDocumentPage: number, texts: PacketTexts): ContentsRow[] {
  let nextPage = firstDocumentPage;
  return placed.map(({ document, placement }) => {
    const firstPage = placement.pageCount > 0 ? nextPage : null;
    const lastPage = placement.pageCount > 0 ? nextPage + placement.pageCount - 1 : null;
    nextPage += placement.pageCount;
    let pagesText = texts.deliveredBeside;
    if (firstPage !== null && firstPage === lastPage) pagesText = fillTemplate(texts.singlePage, { page: firstPage });
    else if (firstPage !== null && lastPage !== null) pagesText = fillTemplate(texts.pageRange, { first: firstPage, last: lastPage });
    return {
      entry: {
        itemTitle: document.itemTitle,
        fileName: document.fileName,
        sha256: document.sha256.toLowerCase(),
        printable: !wordTypes.has(document.mediaType),
        included: placement.included,
        firstPage,
        lastPage,
      },
      pagesText,
    };
  });
}

function layoutCover(cover: PacketCover, fonts: Fonts): PageDrawing[] {
  const flow = new PageFlow();
  const titleSize = 18;
  const titleLines = wrapText(cover.title, fonts.bold, titleSize, contentWidth);
  flow.ensureRoom(titleLines.length * 24);
  for (const line of titleLines) {
    flow.page.runs.push({ text: line, x: margin, y: flow.y - titleSize, font: fonts.bold, size: titleSize, color: black });
    flow.y -= 24;
  }
  flow.y -= 20;
  const labelWidth = 150;
  const valueX = margin + labelWidth + 12;
  for (const { label, value } of cover.lines) {
    const labelLines = wrapText(label, fonts.bold, 10.5, labelWidth);
    const valueLines = wrapText(value, fonts.regular, 11, contentWidth - labelWidth - 12);
    const rows = Math.max(labelLines.length, valueLines.length);
    flow.ensureRoom(rows * 15);
    const top = flow.y;
    labelLines.forEach((line, i) => flow.page.runs.push({ text: line, x: margin, y: top - 11 - i * 15, font: fonts.bold, size: 10.5, color: grey }));
    valueLines.forEach((line, i) => flow.page.runs.push({ text: line, x: valueX, y: top - 11 - i * 15, font: fonts.regular, size: 11, color: black }));
    flow.y -= rows * 15 + 8;
  }
  return flow.pages;
}

function layoutContents(rows: ContentsRow[], fonts: Fonts, texts: PacketTexts): PageDrawing[] {
  const numberWidth = 24;
  const pagesWidth = 120;
  const titleX = margin + numberWidth;
  const titleWidth = contentWidth - numberWidth - pagesWidth - 12;
  const right = margin + contentWidth;
  // Every contents page repeats the heading and the column headings.
  const flow = new PageFlow((header) => {
    const page = header.page;
    for (const line of wrapText(texts.contentsHeading, fonts.bold, 15, contentWidth)) {
      page.runs.push({ text: line, x: margin, y: header.y - 15, font: fonts.bold, size: 15, color: black });
      header.y -= 20;
    }
    header.y -= 10;
    page.runs.push({ text: clean(texts.itemColumn), x: titleX, y: header.y - 9, font: fonts.bold, size: 9, color: grey });
    const pagesHeading = clean(texts.pagesColumn);
    page.runs.push({ text: pagesHeading, x: right - fonts.bold.widthOfTextAtSize(pagesHeading, 9), y: header.y - 9, font: fonts.bold, size: 9, color: grey });
    header.y -= 14;
    page.rules.push({ x1: margin, x2: right, y: header.y });
    header.y -= 8;
  });
  // A dossier without documents still shows an (empty) contents page.
  flow.ensureRoom(0);

  rows.forEach(({ entry, pagesText }, index) => {
    const titleLines = wrapText(entry.itemTitle, fonts.regular, 10.5, titleWidth);
    const pagesLines = wrapText(pagesText, fonts.regular, 10.5, pagesWidth);
    const fileLines = wrapText(entry.fileName, fonts.regular, 8.5, contentWidth - numberWidth);
    const noteLines = entry.printable && !entry.included ? wrapText(texts.notIncluded, fonts.regular, 8.5, contentWidth - numberWidth) : [];
    const label = `${clean(texts.sha256Label)}: `;
    const labelWidth = fonts.regular.widthOfTextAtSize(label, 8);
    const digestLines = wrapText(entry.sha256, fonts.mono, 8, contentWidth - numberWidth - labelWidth);
    const headRows = Math.max(titleLines.length, pagesLines.length);
    const height = headRows * 14 + (fileLines.length + noteLines.length + digestLines.length) * 11 + 10;
    flow.ensureRoom(height);

    const page = flow.page;
    const top = flow.y;
    page.runs.push({ text: `${index + 1}.`, x: margin, y: top - 10.5, font: fonts.regular, size: 10.5, color: black });
    titleLines.forEach((line, i) => page.runs.push({ text: line, x: titleX, y: top - 10.5 - i * 14, font: fonts.regular, size: 10.5, color: black }));
    pagesLines.forEach((line, i) => page.runs.push({ text: line, x: right - fonts.regular.widthOfTextAtSize(line, 10.5), y: top - 10.5 - i * 14, font: fonts.regular, size: 10.5, color: black }));
    let y = top - headRows * 14;
    for (const line of [...fileLines, ...noteLines]) {
      page.runs.push({ text: line, x: titleX, y: y - 8.5, font: fonts.regular, size: 8.5, color: grey });
      y -= 11;
    }
    page.runs.push({ text: label, x: titleX, y: y - 8, font: fonts.regular, size: 8, color: grey });
    for (const line of digestLines) {
      page.runs.push({ text: line, x: titleX + labelWidth, y: y - 8, font: fonts.mono, size: 8, color: black });
      y -= 11;
    }
    flow.y = top - height;
  });
  return flow.pages;
}

function layoutPlaceholder(document: PacketDocument, fonts: Fonts, texts: PacketTexts): PageDrawing {
  const flow = new PageFlow();
  const write = (text: string, font: PDFFont, size: number, color: Color) => {
    for (const line of wrapText(text, font, size, contentWidth)) {
      flow.page.runs.push({ text: line, x: margin, y: flow.y - size, font, size, color });
      flow.y -= size * 1.4;
    }
    flow.y -= 10;
  };
  write(document.itemTitle, fonts.bold, 14, black);
  write(document.fileName, fonts.regular, 10, grey);
  write(texts.notIncluded, fonts.regular, 12, black);
  return flow.page;
}

/** Pages filled from the top; `ensureRoom` starts a new page (with its header) when a block would not fit. */
class PageFlow {
  readonly pages: PageDrawing[] = [];
  y = 0;
  private headerBottom = 0;

  constructor(private readonly drawHeader: (flow: PageFlow) => void = () => undefined) {}

  get page(): PageDrawing {
    return this.pages.at(-1) ?? this.addPage();
  }

  ensureRoom(height: number): void {
    // A block taller than a whole page is drawn anyway rather than opening empty pages forever.
    if (this.pages.length === 0 || (this.y - height < margin && this.y !== this.headerBottom)) this.addPage();
  }

  private addPage(): PageDrawing {
    const page: PageDrawing = { runs: [], rules: [] };
    this.pages.push(page);
    this.y = a4[1] - margin;
    this.drawHeader(this);
    this.headerBottom = this.y;
    return page;
  }
}

function drawPage(page: PDFPage, drawing: PageDrawing): void {
  for (const rule of drawing.rules) {
    page.drawLine({ start: { x: rule.x1, y: rule.y }, end: { x: rule.x2, y: rule.y }, thickness: 0.5, color: grey });
  }
  for (const run of drawing.runs) {
    page.drawText(run.text, { x: run.x, y: run.y, font: run.font, size: run.size, color: run.color });
  }
}

/**
 * Centres the footer under the page as it is seen: a copied page may carry /Rotate and a
 * crop box away from the origin, so the text is turned and placed to read level at the
 * visible bottom edge.
 */
function drawFooter(page: PDFPage, footer: string, font: PDFFont): void {
  const text = clean(footer);
  const size = 8;
  const width = font.widthOfTextAtSize(text, size);
  const at = placeFooter(page.getCropBox(), ((page.getRotation().angle % 360) + 360) % 360, width);
  page.drawText(text, { x: at.x, y: at.y, font, size, color: grey, rotate: degrees(at.angle) });
}

function placeFooter(box: { x: number; y: number; width: number; height: number }, rotation: number, textWidth: number): { x: number; y: number; angle: number } {
  const inset = 20;
  const midX = box.x + box.width / 2;
  const midY = box.y + box.height / 2;
  switch (rotation) {
    case 90:
      return { x: box.x + box.width - inset, y: midY - textWidth / 2, angle: 90 };
    case 180:
      return { x: midX + textWidth / 2, y: box.y + box.height - inset, angle: 180 };
    case 270:
      return { x: box.x + inset, y: midY + textWidth / 2, angle: 270 };
    default:
      // 0, or a turn that is not a quarter (invalid in PDF; viewers ignore it).
      return { x: midX - textWidth / 2, y: box.y + inset, angle: 0 };
  }
}
