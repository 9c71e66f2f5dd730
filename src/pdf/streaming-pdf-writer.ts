import { createHash } from 'node:crypto';
import { open, rm, type FileHandle } from 'node:fs/promises';
import { PDFStream, type PDFContext, type PDFObject, type PDFRef } from 'pdf-lib';

/** The finished file: its length and the hex SHA-256 of its bytes, both counted as they were written. */
export type WrittenPdf = { sizeBytes: number; sha256: string };

/**
 * A PDF written to a file while its document is still being made: objects that are
 * finished go to the file at once and leave the pdf-lib context, so their bytes can be
 * collected; whatever is left is written at the end with a plain cross-reference table.
 * Calls run one after another, in the order they are made.
 */
export interface StreamingPdfWriter {
  readonly filePath: string;
  /**
   * Writes these objects now and deletes them from the context. Nothing may look them up
   * or change them afterwards: a later change would not reach the file.
   */
  writeObjects(refs: Iterable<PDFRef>): Promise<void>;
  /**
   * Writes every object still in the context, the cross-reference table over every object
   * number and the trailer, then closes the file. Fonts and images pdf-lib embeds lazily
   * must be in the context by now (`PDFDocument.flush()`).
   */
  finish(): Promise<WrittenPdf>;
  /** Closes and removes the file. Meant for any failure; calling it again does nothing. */
  discard(): Promise<void>;
}

// Small objects are gathered into writes of this size; larger bytes go to the file as they are.
const chunkBytes = 64 * 1024;
// Cross-reference entries are written this many at a time: each is 20 bytes.
const xrefEntriesPerWrite = 1024;

type XrefEntry = { offset: number; generation: number };

/**
 * Creates `filePath` (it must not exist) for the document of `context` and writes the PDF
 * header. The file is written as pdf-lib's `save({ useObjectStreams: false })` would lay
 * it out: "N G obj … endobj" for each object, then "xref", "trailer" and "startxref".
 */
export async function openStreamingPdfWriter(context: PDFContext, filePath: string): Promise<StreamingPdfWriter> {
  const handle = await open(filePath, 'wx');
  const sink = createSink(handle);
  const offsets = new Map<number, XrefEntry>();
  let state: 'open' | 'finished' | 'discarded' = 'open';
  // Each operation waits for the one before: writes to one file handle must not interleave.
  let queue: Promise<unknown> = Promise.resolve();
  const inOrder = <T>(task: () => Promise<T>): Promise<T> => {
    const run = queue.then(task);
    queue = run.catch(() => undefined);
    return run;
  };
  const assertOpen = () => {
    if (state !== 'open') throw new Error(`the PDF writer is already ${state}`);
  };

  async function writeObject(ref: PDFRef, object: PDFObject): Promise<void> {
    if (offsets.has(ref.objectNumber)) throw new Error(`object ${ref.objectNumber} is already in the file`);
    offsets.set(ref.objectNumber, { offset: sink.position, generation: ref.generationNumber });
    await sink.writeText(`${ref.objectNumber} ${ref.generationNumber} obj\n`);
    if (object instanceof PDFStream) {
      // The contents go to the file as they are; serializing the whole stream into one
      // buffer first would hold its bytes twice.
      const contents = object.getContents();
      object.updateDict();
      await sink.write(serialize(object.dict));
      await sink.writeText('\nstream\n');
      await sink.write(contents);
      await sink.writeText('\nendstream');
    } else {
      await sink.write(serialize(object));
    }
    await sink.writeText('\nendobj\n\n');
  }

  async function writeXrefAndTrailer(): Promise<void> {
    const size = context.largestObjectNumber + 1;
    const xrefOffset = sink.position;
    // Object numbers never used or dropped are free entries, linked from entry 0 in
    // ascending order; the last one points back to 0.
    const free: number[] = [];
    for (let objectNumber = 1; objectNumber < size; objectNumber += 1) if (!offsets.has(objectNumber)) free.push(objectNumber);
    const nextFree = new Map(free.map((objectNumber, i) => [objectNumber, free[i + 1] ?? 0]));
    await sink.writeText(`xref\n0 ${size}\n`);
    let lines = xrefLine(free[0] ?? 0, 65535, 'f');
    for (let objectNumber = 1; objectNumber < size; objectNumber += 1) {
      const used = offsets.get(objectNumber);
      lines += used ? xrefLine(used.offset, used.generation, 'n') : xrefLine(nextFree.get(objectNumber) ?? 0, 0, 'f');
      if (objectNumber % xrefEntriesPerWrite === 0) {
        await sink.writeText(lines);
        lines = '';
      }
    }
    await sink.writeText(lines);

    const { Root, Encrypt, Info, ID } = context.trailerInfo;
    if (!Root) throw new Error('the document has no catalog');
    const trailer = context.obj({ Size: size, Root, Encrypt, Info, ID });
    await sink.writeText('trailer\n');
    await sink.write(serialize(trailer));
    await sink.writeText(`\nstartxref\n${xrefOffset}\n%%EOF\n`);
  }

  const writer: StreamingPdfWriter = {
    filePath,

    writeObjects(refs) {
      return inOrder(async () => {
        assertOpen();
        for (const ref of refs) {
          const object = context.lookup(ref);
          if (object === undefined) throw new Error(`object ${ref.objectNumber} is not in the document`);
          await writeObject(ref, object);
          context.delete(ref);
        }
        await sink.drain();
      });
    },

    finish() {
      return inOrder(async () => {
        assertOpen();
        for (const [ref, object] of context.enumerateIndirectObjects()) await writeObject(ref, object);
        await writeXrefAndTrailer();
        await sink.drain();
        state = 'finished';
        await handle.close();
        return { sizeBytes: sink.position, sha256: sink.digest() };
      });
    },

    discard() {
      return inOrder(async () => {
        if (state === 'discarded') return;
        state = 'discarded';
        // Closing a handle twice only fails; the file is what matters.
        await handle.close().catch(() => undefined);
        await rm(filePath, { force: true });
      });
    },
  };

  try {
    // The version line and a comment of bytes above 127 that marks the file as binary.
    await sink.write(serialize(context.header));
    await sink.writeText('\n\n');
  } catch (error) {
    await writer.discard();
    throw error;
  }
  return writer;
}

/** One object's bytes as pdf-lib serializes it (a dictionary, array, number, …). */
function serialize(object: { sizeInBytes(): number; copyBytesInto(buffer: Uint8Array, offset: number): number }): Uint8Array {
  const bytes = new Uint8Array(object.sizeInBytes());
  const written = object.copyBytesInto(bytes, 0);
  return written === bytes.length ? bytes : bytes.subarray(0, written);
}

/** One 20-byte cross-reference entry: 10-digit offset, 5-digit generation, type, two-byte end of line. */
function xrefLine(offset: number, generation: number, type: 'n' | 'f'): string {
  return `${String(offset).padStart(10, '0')} ${String(generation).padStart(5, '0')} ${type} \n`;
}

type Sink = {
  /** Bytes written so far, including those still gathered in memory. */
  readonly position: number;
  write(bytes: Uint8Array): Promise<void>;
  writeText(text: string): Promise<void>;
  /** Sends the gathered bytes to the file. */
  drain(): Promise<void>;
  digest(): string;
};

/** Sequential writes to `handle`, each awaited (so a slow disk holds the producer back), hashed on the way. */
function createSink(handle: FileHandle): Sink {
  const hash = createHash('sha256');
  const pending = Buffer.allocUnsafe(chunkBytes);
  let pendingLength = 0;
  let position = 0;

  async function writeFully(bytes: Uint8Array): Promise<void> {
    let done = 0;
    while (done < bytes.length) {
      const { bytesWritten } = await handle.write(bytes, done, bytes.length - done);
      done += bytesWritten;
    }
  }

  async function drain(): Promise<void> {
    if (pendingLength === 0) return;
    const length = pendingLength;
    pendingLength = 0;
    await writeFully(pending.subarray(0, length));
  }

  async function write(bytes: Uint8Array): Promise<void> {
    hash.update(bytes);
    position += bytes.length;
    if (pendingLength + bytes.length > chunkBytes) await drain();
    if (bytes.length >= chunkBytes) {
      await writeFully(bytes);
      return;
    }
    pending.set(bytes, pendingLength);
    pendingLength += bytes.length;
  }

  return {
    get position() {
      return position;
    },
    write,
    // PDF syntax written here is ASCII only.
    writeText: (text) => write(Buffer.from(text, 'latin1')),
    drain,
    digest: () => hash.digest('hex'),
  };
}
