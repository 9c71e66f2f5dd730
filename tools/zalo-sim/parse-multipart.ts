export interface MultipartPart {
  name: string;
  filename: string | null;
  contentType: string | null;
  data: Buffer;
}

/**
 * Splits a multipart/form-data body. Small on purpose: the stand-in only takes
 * a handful of fields and files that fit in memory. Returns null when the body
 * is not well-formed multipart.
 */
export function parseMultipart(body: Buffer, contentTypeHeader: string | undefined): MultipartPart[] | null {
  const boundaryMatch = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentTypeHeader ?? '');
  const boundary = boundaryMatch?.[1] ?? boundaryMatch?.[2];
  if (!boundary) return null;

  const delimiter = Buffer.from(`--${boundary}`);
  const separator = Buffer.from(`\r\n--${boundary}`);
  let pos = body.indexOf(delimiter);
  if (pos < 0) return null;
  pos += delimiter.length;

  const parts: MultipartPart[] = [];
  for (;;) {
    if (body.subarray(pos, pos + 2).toString('latin1') === '--') return parts;
    if (body[pos] !== 13 || body[pos + 1] !== 10) return null;
    pos += 2;
    const headerEnd = body.indexOf('\r\n\r\n', pos, 'latin1');
    if (headerEnd < 0) return null;
    const headers = parsePartHeaders(body.subarray(pos, headerEnd).toString('utf8'));
    const dataStart = headerEnd + 4;
    const next = body.indexOf(separator, dataStart);
    if (next < 0) return null;
    if (headers.name !== null) {
      parts.push({
        name: headers.name,
        filename: headers.filename,
        contentType: headers.contentType,
        data: body.subarray(dataStart, next),
      });
    }
    pos = next + separator.length;
  }
}

function parsePartHeaders(text: string): { name: string | null; filename: string | null; contentType: string | null } {
  let name: string | null = null;
  let filename: string | null = null;
  let contentType: string | null = null;
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const key = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (key === 'content-type') contentType = value;
    if (key !== 'content-disposition') continue;
    name = /(?:^|;)\s*name="([^"]*)"/i.exec(value)?.[1] ?? null;
    const extended = /filename\*=(?:UTF-8'')?([^;]+)/i.exec(value)?.[1];
    if (extended) {
      filename = safeDecode(extended.trim());
    } else {
      filename = /filename="([^"]*)"/i.exec(value)?.[1] ?? null;
    }
  }
  return { name, filename, contentType };
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
