import busboy from 'busboy';
import type { Request } from 'express';

// One file from a console form (multipart/form-data), with the form's text fields. The
// file is held in memory up to `maxBytes`; a larger one is cut off and reported, never
// stored.

export interface ReadUpload {
  fields: Record<string, string>;
  file: Buffer | undefined;
  tooLarge: boolean;
}

export function readUpload(req: Request, maxBytes: number): Promise<ReadUpload> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: req.headers, limits: { files: 1, fileSize: maxBytes, fields: 5, fieldSize: 1000 } });
    } catch (error) {
      reject(error);
      return;
    }
    const fields: Record<string, string> = {};
    const chunks: Buffer[] = [];
    let tooLarge = false;
    let sawFile = false;
    parser.on('field', (name, value) => {
      fields[name] = value;
    });
    parser.on('file', (_name, stream) => {
      sawFile = true;
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('limit', () => {
        tooLarge = true;
      });
    });
    parser.on('error', reject);
    parser.on('close', () => resolve({ fields, file: sawFile && !tooLarge ? Buffer.concat(chunks) : undefined, tooLarge }));
    req.pipe(parser);
  });
}
