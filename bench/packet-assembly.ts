import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { text } from 'node:stream/consumers';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { z } from 'zod';
import { projectRoot } from '../src/config/project-root.js';
import { buildPacket, type PacketCover, type PacketDocument, type PacketMediaType } from '../src/dossier/build-packet.js';
import { packetTexts } from '../src/dossier/packet-texts.js';
import { createTranslator, loadDictionaries } from '../src/i18n/translator.js';
import { addExifOrientation, makeDocx, makeJpeg, makePdf } from '../test/helpers/make-documents.js';

const figuresSchema = z.object({
  photos: z.number(),
  documents: z.number(),
  inputBytes: z.number(),
  pageCount: z.number(),
  packetBytes: z.number(),
  runsMs: z.array(z.number()),
  medianMs: z.number(),
  peakRssBytes: z.number(),
  peakRssAboveBaselineBytes: z.number(),
  peakHeapAboveBaselineBytes: z.number(),
  peakArrayBuffersAboveBaselineBytes: z.number(),
  heldHeapAboveBaselineBytes: z.number(),
  heldArrayBuffersAboveBaselineBytes: z.number(),
});
export type PacketAssemblyFigures = z.infer<typeof figuresSchema>;

type DossierFile = { itemTitle: string; fileName: string; mediaType: PacketMediaType; make: () => Promise<Uint8Array> };

// Generating a twelve-megapixel photo takes most of a second: they are kept between runs.
// Photo i is the same file in every dossier size, so the larger one only adds photos.
const cacheDirectory = path.join(tmpdir(), 'ocop-packet-bench-v1');

const texts = packetTexts(createTranslator(loadDictionaries(path.join(projectRoot(), 'locales'))), 'vi');

const cover: PacketCover = {
  title: 'Hồ sơ đánh giá, phân hạng sản phẩm OCOP',
  lines: [
    { label: 'Sản phẩm', value: 'Mật ong hoa nhãn Hưng Yên' },
    { label: 'Chủ thể', value: 'Hợp tác xã Nông nghiệp Phù Ủng' },
    { label: 'Phiên bản hồ sơ', value: '1' },
  ],
};

/**
 * With 30 photos, 40 printed pages, about 30 MB: three PDFs (10 pages) and phone photos of
 * 3000×4000 with grain (about 1 MB each, every third one stored sideways with EXIF
 * Orientation 6), plus a Word file that adds no page.
 */
function describeDossier(photoCount: number): DossierFile[] {
  const pdfs: DossierFile[] = [
    { itemTitle: 'Phiếu đăng ký sản phẩm (Mẫu 01)', fileName: 'mau-01.pdf', mediaType: 'application/pdf', make: () => makePdf({ pages: 3, label: 'Form 01', lines: 40 }) },
    { itemTitle: 'Báo cáo tự đánh giá (Mẫu 02)', fileName: 'mau-02.pdf', mediaType: 'application/pdf', make: () => makePdf({ pages: 5, label: 'Form 02', lines: 40 }) },
    { itemTitle: 'Giấy chứng nhận đăng ký kinh doanh', fileName: 'dkkd.pdf', mediaType: 'application/pdf', make: () => makePdf({ pages: 2, label: 'Business registration', lines: 20 }) },
  ];
  const photos: DossierFile[] = Array.from({ length: photoCount }, (_, i) => ({
    itemTitle: `Ảnh nhãn, bao bì và sản phẩm số ${i + 1}`,
    fileName: `anh-${String(i + 1).padStart(2, '0')}.jpg`,
    mediaType: 'image/jpeg',
    make: async () => {
      const photo = makeJpeg({ width: 3000, height: 4000, seed: i + 11, noise: 16, quality: 70 });
      return i % 3 === 0 ? addExifOrientation(photo, 6) : photo;
    },
  }));
  const word: DossierFile = { itemTitle: 'Phương án kinh doanh', fileName: 'phuong-an.docx', mediaType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', make: async () => makeDocx() };
  return [...pdfs, ...photos, word];
}

/** Writes missing files to the cache and describes each as storage would: digest, size, a reader. */
async function prepareDocuments(photoCount: number): Promise<PacketDocument[]> {
  await mkdir(cacheDirectory, { recursive: true });
  const documents: PacketDocument[] = [];
  for (const file of describeDossier(photoCount)) {
    const filePath = path.join(cacheDirectory, file.fileName);
    if (!(await stat(filePath).catch(() => undefined))) {
      // Written under another name first, so an interrupted run never leaves half a file.
      await writeFile(`${filePath}.partial`, await file.make());
      await rename(`${filePath}.partial`, filePath);
    }
    const bytes = await readFile(filePath);
    documents.push({
      itemTitle: file.itemTitle,
      fileName: file.fileName,
      mediaType: file.mediaType,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      sizeBytes: bytes.length,
      read: () => readFile(filePath),
    });
  }
  return documents;
}

// A baseline is only meaningful after a full collection; tsx gives no way to pass --expose-gc.
setFlagsFromString('--expose-gc');
const collectGarbage: unknown = runInNewContext('gc');

function collect(): void {
  if (typeof collectGarbage === 'function') collectGarbage();
}

/** Builds the packet three times into a file, reading every document from disk through `read`. */
export async function benchPacketAssembly(photoCount: number): Promise<PacketAssemblyFigures> {
  const documents = await prepareDocuments(photoCount);
  const directory = await mkdtemp(path.join(tmpdir(), 'ocop-packet-bench-out-'));
  const runsMs: number[] = [];
  let peakRssBytes = 0;
  let peakRssAboveBaselineBytes = 0;
  let peakHeapAboveBaselineBytes = 0;
  let peakArrayBuffersAboveBaselineBytes = 0;
  let pageCount = 0;
  let packetBytes = 0;
  for (let run = 0; run < 3; run += 1) {
    collect();
    const baseline = process.memoryUsage();
    const peak = { rss: baseline.rss, heapUsed: baseline.heapUsed, arrayBuffers: baseline.arrayBuffers };
    const sample = () => {
      const usage = process.memoryUsage();
      peak.rss = Math.max(peak.rss, usage.rss);
      peak.heapUsed = Math.max(peak.heapUsed, usage.heapUsed);
      peak.arrayBuffers = Math.max(peak.arrayBuffers, usage.arrayBuffers);
    };
    const sampler = setInterval(sample, 20);
    const started = performance.now();
    try {
      const packet = await buildPacket({ cover, texts, documents }, { directory });
      runsMs.push(performance.now() - started);
      // Whatever the result holds is part of the peak: sample once more while it is held.
      sample();
      pageCount = packet.pageCount;
      packetBytes = packet.sizeBytes;
      await rm(packet.filePath);
    } finally {
      clearInterval(sampler);
    }
    peakRssBytes = Math.max(peakRssBytes, peak.rss);
    peakRssAboveBaselineBytes = Math.max(peakRssAboveBaselineBytes, peak.rss - baseline.rss);
    peakHeapAboveBaselineBytes = Math.max(peakHeapAboveBaselineBytes, peak.heapUsed - baseline.heapUsed);
    peakArrayBuffersAboveBaselineBytes = Math.max(peakArrayBuffersAboveBaselineBytes, peak.arrayBuffers - baseline.arrayBuffers);
  }
  const held = await measureHeld(documents, directory);
  await rm(directory, { recursive: true, force: true });
  const sorted = [...runsMs].sort((a, b) => a - b);
  return {
    photos: photoCount,
    documents: documents.length,
    inputBytes: documents.reduce((sum, document) => sum + document.sizeBytes, 0),
    pageCount,
    packetBytes,
    runsMs,
    medianMs: sorted[1] ?? 0,
    peakRssBytes,
    peakRssAboveBaselineBytes,
    peakHeapAboveBaselineBytes,
    peakArrayBuffersAboveBaselineBytes,
    ...held,
  };
}

/** Memory in use once garbage is collected (array buffers are freed in the background: given a turn to finish). */
async function settledUsage(): Promise<NodeJS.MemoryUsage> {
  collect();
  await new Promise((resolve) => setImmediate(resolve));
  collect();
  return process.memoryUsage();
}

/**
 * What the build itself still holds, apart from garbage not yet collected: one more run,
 * not timed, that collects garbage before each document is read and once at the end.
 */
async function measureHeld(documents: PacketDocument[], directory: string): Promise<{ heldHeapAboveBaselineBytes: number; heldArrayBuffersAboveBaselineBytes: number }> {
  const baseline = await settledUsage();
  const held = { heldHeapAboveBaselineBytes: 0, heldArrayBuffersAboveBaselineBytes: 0 };
  const note = async () => {
    const usage = await settledUsage();
    held.heldHeapAboveBaselineBytes = Math.max(held.heldHeapAboveBaselineBytes, usage.heapUsed - baseline.heapUsed);
    held.heldArrayBuffersAboveBaselineBytes = Math.max(held.heldArrayBuffersAboveBaselineBytes, usage.arrayBuffers - baseline.arrayBuffers);
  };
  const watched = documents.map((document) => ({
    ...document,
    read: async () => {
      await note();
      return document.read();
    },
  }));
  const packet = await buildPacket({ cover, texts, documents: watched }, { directory });
  await note();
  await rm(packet.filePath);
  return held;
}

const figuresFlag = '--figures-for-photos';

/**
 * One dossier size in a process of its own, printing its figures as JSON: memory the
 * allocator keeps after one size would otherwise hide part of the next one's peak.
 */
async function benchInOwnProcess(photoCount: number): Promise<PacketAssemblyFigures> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), figuresFlag, String(photoCount)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [output, [code]] = await Promise.all([text(child.stdout), once(child, 'exit')]);
  if (code !== 0) throw new Error(`the packet benchmark for ${photoCount} photos exited with ${String(code)}`);
  // The figures are the last line: a library may have printed warnings before them.
  return figuresSchema.parse(JSON.parse(output.trim().split('\n').at(-1) ?? ''));
}

/** Runs the benchmark for the 30 MB dossier and one with twice the photos, and prints the figures. */
export async function reportPacketAssembly(): Promise<void> {
  const sizes = [30, 60];
  // Made here once, so the measured processes find every photo in the cache.
  await prepareDocuments(Math.max(...sizes));
  const all: PacketAssemblyFigures[] = [];
  for (const photos of sizes) all.push(await benchInOwnProcess(photos));
  const mb = (bytes: number) => `${(bytes / 1_000_000).toFixed(1)} MB`;
  console.log('\nDossier packet assembly (documents read from disk one at a time, packet written to a file; each size in its own process, memory sampled every 20 ms)');
  for (const figures of all) {
    console.log(`  ${figures.photos} photos — input: ${figures.documents} documents, ${mb(figures.inputBytes)}; packet: ${figures.pageCount} pages, ${mb(figures.packetBytes)}`);
    console.log(`    time: median ${figures.medianMs.toFixed(0)} ms of ${figures.runsMs.map((ms) => ms.toFixed(0)).join(', ')} ms`);
    console.log(`    peak RSS ${mb(figures.peakRssBytes)} (+${mb(figures.peakRssAboveBaselineBytes)} over the baseline), heap +${mb(figures.peakHeapAboveBaselineBytes)}, array buffers +${mb(figures.peakArrayBuffersAboveBaselineBytes)}`);
    console.log(`    held between documents (garbage collected first): heap +${mb(figures.heldHeapAboveBaselineBytes)}, array buffers +${mb(figures.heldArrayBuffersAboveBaselineBytes)}`);
  }
  const [small, large] = all;
  if (small && large) {
    const ratio = (a: number, b: number) => `×${(a / b).toFixed(2)}`;
    console.log(`  ${large.photos} against ${small.photos} photos (input ${ratio(large.inputBytes, small.inputBytes)}):`);
    console.log(`    peak over the baseline: RSS ${ratio(large.peakRssAboveBaselineBytes, small.peakRssAboveBaselineBytes)}, heap ${ratio(large.peakHeapAboveBaselineBytes, small.peakHeapAboveBaselineBytes)}, array buffers ${ratio(large.peakArrayBuffersAboveBaselineBytes, small.peakArrayBuffersAboveBaselineBytes)}`);
    console.log(`    held between documents: heap ${ratio(large.heldHeapAboveBaselineBytes, small.heldHeapAboveBaselineBytes)}, array buffers ${ratio(large.heldArrayBuffersAboveBaselineBytes, small.heldArrayBuffersAboveBaselineBytes)}`);
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const flag = process.argv.indexOf(figuresFlag);
  if (flag >= 0) console.log(JSON.stringify(await benchPacketAssembly(z.coerce.number().int().positive().parse(process.argv[flag + 1]))));
  else await reportPacketAssembly();
}
