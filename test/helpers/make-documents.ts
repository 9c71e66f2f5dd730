import { createHash } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import jpeg from 'jpeg-js';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import type { PacketDocument, PacketMediaType } from '../../src/dossier/build-packet.js';

// Real files generated on the fly, so no binary is checked in.

/** A deterministic pseudo-random byte source (xorshift32), so generated files are stable. */
function makeRandom(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state & 0xff;
  };
}

/**
 * A baseline JPEG: a colour gradient with `noise` (0–255) of grain, like a phone photo,
 * so it does not compress to nothing. The top-left quarter is red so orientation shows.
 */
export function makeJpeg(options: { width: number; height: number; seed?: number; noise?: number; quality?: number }): Uint8Array {
  const { width, height, noise = 24, quality = 80 } = options;
  const random = makeRandom(options.seed ?? 1);
  const data = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      const i = (y * width + x) * 4;
      const grain = ((random() * noise) >> 8) - (noise >> 1);
      const marked = x < width / 2 && y < height / 2;
      data[i] = clampByte((marked ? 220 : (x * 255) / width) + grain);
      data[i + 1] = clampByte((marked ? 30 : (y * 255) / height) + grain);
      data[i + 2] = clampByte(128 + grain);
      data[i + 3] = 255;
    }
  }
  return new Uint8Array(jpeg.encode({ width, height, data }, quality).data);
}

/**
 * The same JPEG with an EXIF APP1 segment right after SOI whose IFD0 holds only
 * Orientation, in big-endian ("MM") or little-endian ("II") TIFF byte order.
 */
export function addExifOrientation(jpegBytes: Uint8Array, orientation: number, byteOrder: 'MM' | 'II' = 'MM'): Uint8Array {
  const little = byteOrder === 'II';
  const tiff = Buffer.alloc(8 + 2 + 12 + 4);
  tiff.write(byteOrder, 0, 'latin1');
  const u16 = (value: number, offset: number) => (little ? tiff.writeUInt16LE(value, offset) : tiff.writeUInt16BE(value, offset));
  const u32 = (value: number, offset: number) => (little ? tiff.writeUInt32LE(value, offset) : tiff.writeUInt32BE(value, offset));
  u16(42, 2);
  u32(8, 4); // IFD0 right after the header
  u16(1, 8); // one entry
  u16(0x0112, 10); // Orientation
  u16(3, 12); // SHORT
  u32(1, 14); // count
  u16(orientation, 18); // value, left-aligned in the 4-byte field
  u32(0, 22); // no next IFD
  const payload = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]);
  const header = Buffer.alloc(4);
  header.writeUInt16BE(0xffe1, 0);
  header.writeUInt16BE(payload.length + 2, 2);
  return new Uint8Array(Buffer.concat([jpegBytes.subarray(0, 2), header, payload, jpegBytes.subarray(2)]));
}

/** An 8-bit RGB PNG (filter 0 on every row, one IDAT). */
export function makePng(options: { width: number; height: number; seed?: number }): Uint8Array {
  const { width, height } = options;
  const random = makeRandom(options.seed ?? 7);
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y += 1) {
    const row = y * (width * 3 + 1);
    for (let x = 0; x < width; x += 1) {
      const i = row + 1 + x * 3;
      raw[i] = (x * 255) / width;
      raw[i + 1] = (y * 255) / height;
      raw[i + 2] = random();
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // bit depth 8, RGB, deflate, no filter method, no interlace
  return new Uint8Array(
    Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      pngChunk('IHDR', ihdr),
      pngChunk('IDAT', deflateSync(raw)),
      pngChunk('IEND', Buffer.alloc(0)),
    ]),
  );
}

function pngChunk(type: string, data: Buffer): Buffer {
  const typeAndData = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length, 0);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typeAndData), 0);
  return Buffer.concat([length, typeAndData, crc]);
}

// zlib.crc32 only exists from Node 20.15; the engines field allows 20.12.
const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = (crcTable[(crc ^ byte) & 0xff] ?? 0) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** A PDF of `pages` A4 pages, each saying "<label> page i of n" (plus `lines` lines of filler). */
export async function makePdf(options: { pages: number; label: string; lines?: number }): Promise<Uint8Array> {
  const document = await PDFDocument.create();
  const font = await document.embedFont(StandardFonts.Helvetica);
  for (let i = 1; i <= options.pages; i += 1) {
    const page = document.addPage([595.28, 841.89]);
    page.drawText(`${options.label} page ${i} of ${options.pages}`, { x: 56, y: 780, size: 14, font });
    for (let line = 0; line < (options.lines ?? 0); line += 1) {
      page.drawText(`Line ${line + 1}: production record, batch ${i}-${line}, quantity ${(i * 37 + line * 11) % 1000} kg`, { x: 56, y: 750 - line * 14, size: 10, font });
    }
  }
  return document.save();
}

/** A PDF whose trailer names an encryption dictionary, as a password-protected scan would. */
export async function makeEncryptedPdf(): Promise<Uint8Array> {
  const document = await PDFDocument.create();
  document.addPage();
  document.context.trailerInfo.Encrypt = document.context.obj({ Filter: 'Standard', V: 1, R: 2, P: -4 });
  return document.save({ useObjectStreams: false });
}

/** The first half of a real PDF, as an interrupted upload leaves it. */
export async function makeTruncatedPdf(): Promise<Uint8Array> {
  const whole = await makePdf({ pages: 2, label: 'Truncated', lines: 10 });
  return whole.slice(0, Math.floor(whole.length / 2));
}

/** Enough of a .docx for the packet: a zip local file header and some bytes. */
export function makeDocx(): Uint8Array {
  return new Uint8Array(Buffer.concat([Buffer.from('PK\x03\x04', 'latin1'), Buffer.from('word/document.xml placeholder', 'latin1')]));
}

/** A packet document over `bytes`; `reads` counts how often the packet loaded it. */
export function describeDocument(options: { itemTitle: string; fileName: string; mediaType: PacketMediaType; bytes: Uint8Array }): PacketDocument & { reads: () => number } {
  let reads = 0;
  return {
    itemTitle: options.itemTitle,
    fileName: options.fileName,
    mediaType: options.mediaType,
    sha256: createHash('sha256').update(options.bytes).digest('hex'),
    sizeBytes: options.bytes.length,
    read: async () => {
      reads += 1;
      return options.bytes;
    },
    reads: () => reads,
  };
}

function clampByte(value: number): number {
  return Math.max(0, Math.min(255, Math.round(value)));
}
