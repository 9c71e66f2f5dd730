import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { projectRoot } from '../src/config/project-root.js';
import { buildPacket, type PacketCover, type PacketDocument, type PacketMediaType } from '../src/dossier/build-packet.js';
import { packetTexts } from '../src/dossier/packet-texts.js';
import { createTranslator, loadDictionaries } from '../src/i18n/translator.js';
import { addExifOrientation, makeDocx, makeJpeg, makePdf } from '../test/helpers/make-documents.js';

export type PacketAssemblyFigures = {
  documents: number;
  inputBytes: number;
  pageCount: number;
  packetBytes: number;
  runsMs: number[];
  medianMs: number;
  peakRssBytes: number;
  peakRssAboveBaselineBytes: number;
  peakHeapAboveBaselineBytes: number;
  peakArrayBuffersAboveBaselineBytes: number;
};

type DossierFile = { itemTitle: string; fileName: string; mediaType: PacketMediaType; make: () => Promise<Uint8Array> };

// Generating 30 twelve-megapixel photos takes about 20 s: they are kept between runs.
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
 * 40 printed pages, about 30 MB: three PDFs (10 pages) and 30 phone photos of 3000×4000
 * with grain (about 1 MB each, every third one stored sideways with EXIF Orientation 6),
 * plus a Word file that adds no page.
 */
function describeDossier(): DossierFile[] {
  const pdfs: DossierFile[] = [
    { itemTitle: 'Phiếu đăng ký sản phẩm (Mẫu 01)', fileName: 'mau-01.pdf', mediaType: 'application/pdf', make: () => makePdf({ pages: 3, label: 'Form 01', lines: 40 }) },
    { itemTitle: 'Báo cáo tự đánh giá (Mẫu 02)', fileName: 'mau-02.pdf', mediaType: 'application/pdf', make: () => makePdf({ pages: 5, label: 'Form 02', lines: 40 }) },
    { itemTitle: 'Giấy chứng nhận đăng ký kinh doanh', fileName: 'dkkd.pdf', mediaType: 'application/pdf', make: () => makePdf({ pages: 2, label: 'Business registration', lines: 20 }) },
  ];
  const photos: DossierFile[] = Array.from({ length: 30 }, (_, i) => ({
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
async function prepareDocuments(): Promise<PacketDocument[]> {
  await mkdir(cacheDirectory, { recursive: true });
  const documents: PacketDocument[] = [];
  for (const file of describeDossier()) {
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

/** Builds the packet three times, reading every document from disk through `read`. */
export async function benchPacketAssembly(): Promise<PacketAssemblyFigures> {
  const documents = await prepareDocuments();
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
      const packet = await buildPacket({ cover, texts, documents });
      runsMs.push(performance.now() - started);
      // The result itself is part of the peak: sample once more while it is still held.
      sample();
      pageCount = packet.pageCount;
      packetBytes = packet.bytes.length;
    } finally {
      clearInterval(sampler);
    }
    peakRssBytes = Math.max(peakRssBytes, peak.rss);
    peakRssAboveBaselineBytes = Math.max(peakRssAboveBaselineBytes, peak.rss - baseline.rss);
    peakHeapAboveBaselineBytes = Math.max(peakHeapAboveBaselineBytes, peak.heapUsed - baseline.heapUsed);
    peakArrayBuffersAboveBaselineBytes = Math.max(peakArrayBuffersAboveBaselineBytes, peak.arrayBuffers - baseline.arrayBuffers);
  }
  const sorted = [...runsMs].sort((a, b) => a - b);
  return {
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
  };
}

/** Runs the benchmark and prints its figures. */
export async function reportPacketAssembly(): Promise<void> {
  const figures = await benchPacketAssembly();
  const mb = (bytes: number) => `${(bytes / 1_000_000).toFixed(1)} MB`;
  console.log('\nDossier packet assembly (documents read from disk one at a time, memory sampled every 20 ms)');
  console.log(`  input: ${figures.documents} documents, ${mb(figures.inputBytes)}; packet: ${figures.pageCount} pages, ${mb(figures.packetBytes)}`);
  console.log(`  time: median ${figures.medianMs.toFixed(0)} ms of ${figures.runsMs.map((ms) => ms.toFixed(0)).join(', ')} ms`);
  console.log(`  peak RSS ${mb(figures.peakRssBytes)} (+${mb(figures.peakRssAboveBaselineBytes)} over the baseline), heap +${mb(figures.peakHeapAboveBaselineBytes)}, array buffers +${mb(figures.peakArrayBuffersAboveBaselineBytes)}`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) await reportPacketAssembly();
