import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';

/** DejaVu covers every Vietnamese letter, precomposed; the PDFs embed subsets of these. */
export type FontFiles = { regular: Uint8Array; bold: Uint8Array; mono: Uint8Array };

// Font files are package data that never change while the process runs: read once.
let fontFiles: Promise<FontFiles> | undefined;

export function loadFontFiles(): Promise<FontFiles> {
  fontFiles ??= readFontFiles().catch((error: unknown) => {
    fontFiles = undefined;
    throw error;
  });
  return fontFiles;
}

async function readFontFiles(): Promise<FontFiles> {
  const directory = path.join(path.dirname(createRequire(import.meta.url).resolve('dejavu-fonts-ttf/package.json')), 'ttf');
  const [regular, bold, mono] = await Promise.all(
    ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf', 'DejaVuSansMono.ttf'].map((file) => readFile(path.join(directory, file))),
  );
  if (regular === undefined || bold === undefined || mono === undefined) throw new Error('DejaVu font files missing');
  return { regular, bold, mono };
}
