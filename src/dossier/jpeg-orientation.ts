/**
 * EXIF Orientation of a JPEG (TIFF tag 0x0112): how the stored pixels must be turned to
 * be seen upright. 1 upright, 2 mirrored left-right, 3 turned 180°, 4 mirrored top-bottom,
 * 5 mirrored along the top-left diagonal, 6 to be turned 90° clockwise, 7 mirrored along
 * the top-right diagonal, 8 to be turned 90° anticlockwise.
 */
export type JpegOrientation = 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8;

const exifHeader = [0x45, 0x78, 0x69, 0x66, 0x00, 0x00]; // "Exif\0\0"
const orientationTag = 0x0112;
const shortType = 3;

/**
 * Reads the Orientation from the first EXIF APP1 segment. Phones write the pixels as the
 * sensor saw them and only record the turn here, so a photo drawn without it lies on its
 * side. Anything missing or malformed means "upright": the photo is still placed.
 * Only the segment headers are walked; the image data is never decoded.
 */
export function readJpegOrientation(bytes: Uint8Array): JpegOrientation {
  if (bytes[0] !== 0xff || bytes[1] !== 0xd8) return 1;
  let offset = 2;
  while (offset + 4 <= bytes.length) {
    if (bytes[offset] !== 0xff) return 1;
    const marker = bytes[offset + 1]!;
    // Fill bytes before a marker.
    if (marker === 0xff) {
      offset += 1;
      continue;
    }
    // Markers without a length: TEM and RST0–7.
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      offset += 2;
      continue;
    }
    // Start of scan or end of image: EXIF always comes before the image data.
    if (marker === 0xda || marker === 0xd9) return 1;
    const length = readUint16(bytes, offset + 2, false);
    if (length < 2) return 1;
    const start = offset + 4;
    const end = offset + 2 + length;
    if (end > bytes.length) return 1;
    if (marker === 0xe1 && startsWith(bytes, start, exifHeader)) {
      return readTiffOrientation(bytes.subarray(start + exifHeader.length, end));
    }
    offset = end;
  }
  return 1;
}

function readTiffOrientation(tiff: Uint8Array): JpegOrientation {
  if (tiff.length < 8) return 1;
  let littleEndian: boolean;
  if (tiff[0] === 0x49 && tiff[1] === 0x49) littleEndian = true;
  else if (tiff[0] === 0x4d && tiff[1] === 0x4d) littleEndian = false;
  else return 1;
  if (readUint16(tiff, 2, littleEndian) !== 42) return 1;
  const ifd = readUint32(tiff, 4, littleEndian);
  if (ifd + 2 > tiff.length) return 1;
  const count = readUint16(tiff, ifd, littleEndian);
  for (let i = 0; i < count; i += 1) {
    const entry = ifd + 2 + i * 12;
    if (entry + 12 > tiff.length) return 1;
    if (readUint16(tiff, entry, littleEndian) !== orientationTag) continue;
    if (readUint16(tiff, entry + 2, littleEndian) !== shortType) return 1;
    // A SHORT value sits left-aligned in the 4-byte value field.
    return toOrientation(readUint16(tiff, entry + 8, littleEndian));
  }
  return 1;
}

function toOrientation(value: number): JpegOrientation {
  switch (value) {
    case 2:
    case 3:
    case 4:
    case 5:
    case 6:
    case 7:
    case 8:
      return value;
    default:
      return 1;
  }
}

function startsWith(bytes: Uint8Array, offset: number, prefix: number[]): boolean {
  return prefix.every((byte, i) => bytes[offset + i] === byte);
}

function readUint16(bytes: Uint8Array, offset: number, littleEndian: boolean): number {
  const a = bytes[offset] ?? 0;
  const b = bytes[offset + 1] ?? 0;
  return littleEndian ? a | (b << 8) : (a << 8) | b;
}

function readUint32(bytes: Uint8Array, offset: number, littleEndian: boolean): number {
  const high = readUint16(bytes, offset + (littleEndian ? 2 : 0), littleEndian);
  const low = readUint16(bytes, offset + (littleEndian ? 0 : 2), littleEndian);
  return high * 0x10000 + low;
}
