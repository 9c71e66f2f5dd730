import { z } from 'zod';
import type { Database } from '../db/database.js';
import { Prisma, type Official } from '../db/generated/client.js';
import { addDays, makeCalendarDate, vietnamInstant, type CalendarDate } from '../calendar/calendar-date.js';
import { ideaRegionSql } from '../officials/region-scope.js';

// The periodic report of the provinces' OCOP plans (six-month by 20/6, yearly by 20/12):
// per commune of the official's region, the products registered, evaluated and certified
// (by stars) in the period, counted in Vietnam's calendar.

export type ReportPeriod = 'firstHalf' | 'year';

export interface CommuneReport {
  communeCode: string;
  communeName: string;
  registered: number;
  evaluated: number;
  certified: { three: number; four: number; five: number };
}

const rowSchema = z.object({ communeCode: z.string(), communeName: z.string(), registered: z.number(), evaluated: z.number(), three: z.number(), four: z.number(), five: z.number() });

/** The period's first and last days, yyyy-mm-dd. */
export function periodDays(year: number, period: ReportPeriod): { from: CalendarDate; to: CalendarDate } {
  return { from: makeCalendarDate(year, 1, 1), to: makeCalendarDate(year, period === 'firstHalf' ? 6 : 12, period === 'firstHalf' ? 30 : 31) };
}

export async function periodicReport(db: Database, official: Official, input: { year: number; period: ReportPeriod }): Promise<CommuneReport[]> {
  const { from, to } = periodDays(input.year, input.period);
  // Days in Vietnam: instants from the first day's start to the start of the day after the last.
  const start = vietnamInstant(from, '00:00');
  const end = vietnamInstant(addDays(to, 1), '00:00');
  const rows = await db.$queryRaw<unknown[]>(Prisma.sql`
    SELECT i.commune_code AS "communeCode", coalesce(u.commune_name, i.commune_code) AS "communeName",
      count(*) FILTER (WHERE i.submitted_at >= ${start} AND i.submitted_at < ${end})::int AS registered,
      count(*) FILTER (WHERE EXISTS (SELECT 1 FROM evaluation_result r WHERE r.product_idea_id = i.id AND r.superseded_at IS NULL AND r.recorded_at >= ${start} AND r.recorded_at < ${end}))::int AS evaluated,
      count(*) FILTER (WHERE c.stars = 3)::int AS three,
      count(*) FILTER (WHERE c.stars = 4)::int AS four,
      count(*) FILTER (WHERE r5.id IS NOT NULL)::int AS five
    FROM product_idea i
    LEFT JOIN administrative_unit u ON u.commune_code = i.commune_code
    LEFT JOIN LATERAL (SELECT stars FROM certificate WHERE product_idea_id = i.id AND certified_on BETWEEN ${from} AND ${to} ORDER BY id DESC LIMIT 1) c ON true
    -- 5★ is the ministry's: counted when the province's decision in the period proposed it
    LEFT JOIN LATERAL (SELECT d.id FROM recognition_decision d WHERE i.id = ANY (d.proposed_idea_ids) AND d.signed_on BETWEEN ${from} AND ${to} LIMIT 1) r5 ON true
    WHERE ${ideaRegionSql(official, 'i')}
    GROUP BY 1, 2
    ORDER BY 2, 1`);
  return z
    .array(rowSchema)
    .parse(rows)
    .filter((r) => r.registered + r.evaluated + r.three + r.four + r.five > 0)
    .map((r) => ({ communeCode: r.communeCode, communeName: r.communeName, registered: r.registered, evaluated: r.evaluated, certified: { three: r.three, four: r.four, five: r.five } }));
}

/** The report as a workbook, in the official's language: a row per commune and the total. */
export async function periodicReportWorkbook(rows: readonly CommuneReport[], t: (key: string, vars?: Record<string, string>) => string, heading: string): Promise<Uint8Array> {
  const { default: ExcelJS } = await import('exceljs');
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet(t('console.report.sheet'));
  sheet.addRow([heading]).font = { bold: true, size: 13 };
  sheet.addRow([t('console.report.commune'), t('console.report.code'), t('console.report.registered'), t('console.report.evaluated'), t('console.report.three'), t('console.report.four'), t('console.report.five')]).font = { bold: true };
  for (const r of rows) sheet.addRow([r.communeName, r.communeCode, r.registered, r.evaluated, r.certified.three, r.certified.four, r.certified.five]);
  const sum = (f: (r: CommuneReport) => number) => rows.reduce((s, r) => s + f(r), 0);
  sheet.addRow([t('console.report.total'), '', sum((r) => r.registered), sum((r) => r.evaluated), sum((r) => r.certified.three), sum((r) => r.certified.four), sum((r) => r.certified.five)]).font = { bold: true };
  sheet.getColumn(1).width = 30;
  return new Uint8Array(await workbook.xlsx.writeBuffer());
}
