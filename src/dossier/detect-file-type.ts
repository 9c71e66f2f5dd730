// The type of an uploaded document is decided by its bytes only. The user's file name
// and the `type` Zalo puts in a file payload are typed by people and never trusted.

export interface AcceptedFileType {
  kind: 'accepted';
  mediaType: string;
  extension: 'pdf' | 'jpg' | 'png' | 'docx' | 'doc';
  /** Whether the file can be merged into the printed packet; Word files travel beside it. */
  printable: boolean;
}

export type DetectedType = AcceptedFileType | { kind: 'refused'; reason: 'unsupported' };

/**
 * How many leading bytes `detectFileType` needs. PDF needs 1 KB; the rest is for DOCX,
 * whose `word/` entry follows `[Content_Types].xml`, `_rels/.rels` and sometimes
 * `docProps/*` (a thumbnail among them can take several KB).
 */
export const FILE_HEAD_BYTES = 64 * 1024;

/**
 * Readers (Acrobat first, pdf.js and others followed) accept a PDF whose `%PDF-` header
 * comes after up to 1,024 bytes of junk, so files from such producers open for the user
 * and must be accepted here too.
 */
export const PDF_HEADER_MAX_OFFSET = 1024;

const pdf: AcceptedFileType = { kind: 'accepted', mediaType: 'application/pdf', extension: 'pdf', printable: true };
const jpeg: AcceptedFileType = { kind: 'accepted', mediaType: 'image/jpeg', extension: 'jpg', printable: true };
const png: AcceptedFileType = { kind: 'accepted', mediaType: 'image/png', extension: 'png', printable: true };
const docx: AcceptedFileType = {
  kind: 'accepted',
  mediaType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  extension: 'docx',
  printable: false,
};
const doc: AcceptedFileType = { kind: 'accepted', mediaType: 'application/msword', extension: 'doc', printable: false };
const refused: DetectedType = { kind: 'refused', reason: 'unsupported' };

const jpegMagic = [0xff, 0xd8, 0xff];
const pngMagic = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const oleMagic = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];
const zipLocalHeader = [0x50, 0x4b, 0x03, 0x04];
const pdfMagic = [0x25, 0x50, 0x44, 0x46, 0x2d]; // %PDF-

// Programs that could also carry `%PDF-` in their first KB (polyglots): decided by their
// own signature first, so they are never taken for a PDF.
const programMagics = [
  [0x4d, 0x5a], // MZ: Windows executable
  [0x7f, 0x45, 0x4c, 0x46], // ELF
  [0x23, 0x21], // #! script
  [0xfe, 0xed, 0xfa, 0xce], // Mach-O
  [0xfe, 0xed, 0xfa, 0xcf],
  [0xce, 0xfa, 0xed, 0xfe],
  [0xcf, 0xfa, 0xed, 0xfe],
  [0xca, 0xfe, 0xba, 0xbe], // Mach-O universal, Java class
];

function startsWithAt(bytes: Uint8Array, magic: readonly number[], offset = 0): boolean {
  if (offset + magic.length > bytes.length) return false;
  return magic.every((byte, i) => bytes[offset + i] === byte);
}

function indexOfBytes(bytes: Uint8Array, magic: readonly number[], from: number, lastStart: number): number {
  for (let offset = from; offset <= lastStart; offset += 1) {
    if (startsWithAt(bytes, magic, offset)) return offset;
  }
  return -1;
}

/**
 * Walks the ZIP local file headers inside `head` and says whether one names an entry
 * under `word/`. An entry written with a data descriptor (flag bit 3) may have no size
 * in its header, so the walk then looks for the next local header signature instead.
 */
function hasWordEntry(head: Uint8Array): boolean {
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const ascii = new TextDecoder('latin1');
  let offset = 0;
  while (offset + 30 <= head.length && startsWithAt(head, zipLocalHeader, offset)) {
    const flags = view.getUint16(offset + 6, true);
    const compressedSize = view.getUint32(offset + 18, true);
    const nameLength = view.getUint16(offset + 26, true);
    const extraLength = view.getUint16(offset + 28, true);
    const nameEnd = offset + 30 + nameLength;
    if (nameEnd > head.length) return false;
    if (ascii.decode(head.subarray(offset + 30, nameEnd)).startsWith('word/')) return true;
    const dataStart = nameEnd + extraLength;
    if ((flags & 0x08) !== 0 && compressedSize === 0) {
      const next = indexOfBytes(head, zipLocalHeader, dataStart, head.length - zipLocalHeader.length);
      if (next < 0) return false;
      offset = next;
    } else {
      offset = dataStart + compressedSize;
    }
  }
  return false;
}

/**
 * The real type of a file from its first bytes (pass `FILE_HEAD_BYTES`, or the whole file
 * when it is shorter). Accepted: PDF, JPEG, PNG, DOCX (a ZIP with an entry under `word/`
 * among the local headers in the head) and legacy DOC (an OLE compound file). Everything
 * else — programs, scripts, other ZIPs, HEIC, GIF, nothing at all — is refused.
 */
export function detectFileType(head: Uint8Array): DetectedType {
  if (startsWithAt(head, jpegMagic)) return jpeg;
  if (startsWithAt(head, pngMagic)) return png;
  if (startsWithAt(head, zipLocalHeader)) return hasWordEntry(head) ? docx : refused;
  // OLE also holds XLS, PPT and MSI; telling them apart needs the directory stream, which
  // usually lies beyond the head. Such a file is delivered as .doc and opened by Word.
  if (startsWithAt(head, oleMagic)) return doc;
  if (programMagics.some((magic) => startsWithAt(head, magic))) return refused;
  const lastStart = Math.min(PDF_HEADER_MAX_OFFSET, head.length - pdfMagic.length);
  return indexOfBytes(head, pdfMagic, 0, lastStart) >= 0 ? pdf : refused;
}
