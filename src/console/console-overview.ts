import { z } from 'zod';
import type { Request, Response, Router } from 'express';
import { displayDate, vietnamDateOf, type CalendarDate } from '../calendar/calendar-date.js';
import type { WorkingCalendar } from '../calendar/working-calendar.js';
import { workingDaysBetween } from '../calendar/working-days.js';
import type { Database } from '../db/database.js';
import type { Official } from '../db/generated/client.js';
import { nextRoundFor, provinceRoundRules, type RoundDeadlines } from '../ocop/evaluation-rounds.js';
import type { ProvinceSettings } from '../ocop/province-settings.js';
import { ruleSetInForce, type RuleSet } from '../ocop/rule-sets.js';
import { periodicReport, periodicReportWorkbook } from './periodic-report.js';
import { html, type Html, type PageContext } from './console-html.js';
import type { PageKit } from './console-meetings.js';
import { pipelineCounts, pipelineStages, reachedOf, totalOf, type CommunePipeline, type PipelineState } from './pipeline-counts.js';
import { sendDownload } from '../storage/send-stored-file.js';

// Tổng quan: how far the region's products have come, per commune and step, and where the
// next evaluation round stands. Charts are drawn on the server (SVG, no script) and each is
// followed by a table of the same numbers, for screen readers and for whoever wants the
// figures; the tables also download as a workbook.

export interface OverviewPagesDeps {
  db: Database;
  now: () => Date;
  calendar: WorkingCalendar;
  /** the commune's working days to check a dossier: a producer's last day comes that much earlier */
  checkWorkingDays: number;
  /** The rule sets and provinces' settings the rounds come from; no round without them. */
  rounds?: { ruleSets: readonly RuleSet[]; settingsFor: (provinceCode: string) => ProvinceSettings };
}

/** Where the dossiers of the region stand for a round: ready for it, or why not. */
const roundStates = ['checked', 'submitted', 'returned', 'collecting'] as const satisfies readonly PipelineState[];

interface RoundView {
  deadlines: RoundDeadlines;
  counts: Record<(typeof roundStates)[number], number>;
}

interface Overview {
  communes: CommunePipeline[];
  total: ReturnType<typeof reachedOf>;
  /** undefined when the rules in force have no fixed rounds */
  round: RoundView | undefined;
}

export function registerOverviewPages(router: Router, deps: OverviewPagesDeps, kit: PageKit): void {
  async function overviewOf(official: Official): Promise<Overview> {
    const communes = await pipelineCounts(deps.db, official);
    const now = totalOf(communes);
    return { communes, total: reachedOf(now), round: roundOf(official, now) };
  }

  /** The next province round the commune can still propose for, with the region's dossiers for it. */
  function roundOf(official: Official, now: Record<PipelineState, number>): RoundView | undefined {
    if (!deps.rounds) return undefined;
    const ruleSet = ruleSetInForce(deps.rounds.ruleSets, deps.now());
    const rules = provinceRoundRules(ruleSet?.rounds, deps.rounds.settingsFor(official.provinceCode).extraRounds);
    const deadlines = nextRoundFor('commune', { calendar: deps.calendar, rules, today: vietnamDateOf(deps.now()), checkWorkingDays: deps.checkWorkingDays });
    if (!deadlines) return undefined;
    return { deadlines, counts: { checked: now.checked, submitted: now.submitted, returned: now.returned, collecting: now.collecting } };
  }

  /** A day of the round, and how far off it is in working days. */
  function dayNote(ctx: PageContext, day: CalendarDate): string {
    const today = vietnamDateOf(deps.now());
    if (day < today) return ctx.t('console.overview.dayPassed', { date: displayDate(day) });
    if (day === today) return ctx.t('console.overview.dayToday', { date: displayDate(day) });
    return ctx.t('console.overview.daysLeft', { date: displayDate(day), days: String(workingDaysBetween(deps.calendar, today, day)) });
  }

  router.get('/overview', async (req: Request, res: Response) => {
    const ctx = await kit.ctxOf(req);
    const overview = await overviewOf(kit.official(req));
    const stageName = (stage: string) => ctx.t(`console.overview.stage.${stage}`);
    const legend = html`<ul class="legend" aria-hidden="true">${pipelineStages.map((stage, i) => html`<li>${swatch(`stage-${i}`)}${stageName(stage)}</li>`)}</ul>`;

    const funnel = html`<section aria-labelledby="pipeline"><h2 id="pipeline">${ctx.t('console.overview.pipeline')}</h2>
      <div class="chart" aria-hidden="true">${pipelineStages.map(
        (stage, i) => html`<div class="row"><span class="label">${stageName(stage)}</span>${bar([{ className: `stage-${i}`, value: overview.total[stage] }], overview.total.registered)}<span class="n">${overview.total[stage]}</span></div>`,
      )}</div>
      ${numbersTable(
        ctx,
        'pipelineTable',
        html`<tr><th scope="col">${ctx.t('console.overview.stageColumn')}</th><th scope="col">${ctx.t('console.overview.products')}</th></tr>`,
        pipelineStages.map((stage) => html`<tr><th scope="row">${stageName(stage)}</th><td>${overview.total[stage]}</td></tr>`),
      )}
    </section>`;

    // One bar a commune: each step drawn over the one before, so a shade ends at the number
    // of products that got at least that far.
    const widest = Math.max(1, ...overview.communes.map((c) => c.reached.registered));
    const byCommune = html`<section aria-labelledby="communes"><h2 id="communes">${ctx.t('console.overview.byCommune')}</h2>${legend}
      <div class="chart" aria-hidden="true">${overview.communes.map(
        (commune) =>
          html`<div class="row"><span class="label">${commune.communeName}</span>${bar(
            pipelineStages.map((stage, i) => ({ className: `stage-${i}`, value: commune.reached[stage] })),
            widest,
          )}<span class="n">${commune.reached.registered}</span></div>`,
      )}</div>
      ${numbersTable(
        ctx,
        'byCommuneTable',
        html`<tr><th scope="col">${ctx.t('console.overview.commune')}</th>${pipelineStages.map((stage) => html`<th scope="col">${stageName(stage)}</th>`)}</tr>`,
        overview.communes.map((commune) => html`<tr><th scope="row">${commune.communeName}</th>${pipelineStages.map((stage) => html`<td>${commune.reached[stage]}</td>`)}</tr>`),
        html`<tr><th scope="row">${ctx.t('console.overview.total')}</th>${pipelineStages.map((stage) => html`<td>${overview.total[stage]}</td>`)}</tr>`,
      )}
      <p class="meta">${ctx.t('console.overview.certifiedNote')}</p>
    </section>`;

    const round = overview.round;
    const roundSection = round
      ? html`<section aria-labelledby="round"><h2 id="round">${ctx.t('console.overview.round')}: ${ctx.t('console.overview.roundName', { number: String(round.deadlines.round.number), year: String(round.deadlines.round.year) })}</h2>
          <p>${ctx.t('console.overview.roundDates', { proposeBefore: displayDate(round.deadlines.round.proposeBefore), closesBefore: displayDate(round.deadlines.round.closesBefore) })}</p>
          <dl class="facts">
            <dt>${ctx.t('console.overview.producerLastDay')}</dt><dd>${dayNote(ctx, round.deadlines.producerLastDay)}</dd>
            <dt>${ctx.t('console.overview.communeLastDay')}</dt><dd>${dayNote(ctx, round.deadlines.communeLastDay)}</dd>
          </dl>
          <p>${ctx.t('console.overview.readyLine', { ready: String(round.counts.checked), notReady: String(round.counts.submitted + round.counts.returned + round.counts.collecting) })}</p>
          <ul class="legend" aria-hidden="true">${roundStates.map((state) => html`<li>${swatch(`round-${state}`)}${ctx.t(`console.overview.roundState.${state}`)}</li>`)}</ul>
          <div class="chart" aria-hidden="true"><div class="row single">${bar(
            stacked(roundStates.map((state) => ({ className: `round-${state}`, value: round.counts[state] }))),
            Math.max(1, roundStates.reduce((sum, state) => sum + round.counts[state], 0)),
          )}</div></div>
          ${numbersTable(
            ctx,
            'roundTable',
            html`<tr><th scope="col">${ctx.t('console.overview.stageColumn')}</th><th scope="col">${ctx.t('console.overview.dossiers')}</th></tr>`,
            roundStates.map((state) => html`<tr><th scope="row">${ctx.t(`console.overview.roundState.${state}`)}</th><td>${round.counts[state]}</td></tr>`),
          )}
        </section>`
      : deps.rounds
        ? html`<p class="meta">${ctx.t('console.overview.noRound')}</p>`
        : '';

    const body =
      overview.communes.length > 0
        ? html`<p>${ctx.t('console.overview.intro')}</p>
          <p><a class="button secondary" href="/console/overview.xlsx" download>${ctx.t('console.overview.export')}</a></p>
          <form method="get" action="/console/reports/periodic.xlsx" class="filters">
            <label>${ctx.t('console.report.period')}<select name="period"><option value="firstHalf">${ctx.t('console.report.firstHalf')}</option><option value="year">${ctx.t('console.report.year')}</option></select></label>
            <label>${ctx.t('console.report.yearLabel')}<input type="number" name="year" min="2019" max="2100" value="${vietnamDateOf(deps.now()).slice(0, 4)}" required></label>
            <button type="submit" class="secondary">${ctx.t('console.report.download')}</button>
          </form>
          ${funnel}${byCommune}${roundSection}`
        : html`<p>${ctx.t('console.overview.none')}</p>${roundSection}`;
    kit.page(res, 200, ctx, ctx.t('console.overview.title'), body);
  });

  // The six-month (by 20/6) or yearly (by 20/12) report of the seed plans, for the official's region.
  router.get('/reports/periodic.xlsx', async (req: Request, res: Response) => {
    const query = z.object({ period: z.enum(['firstHalf', 'year']), year: z.coerce.number().int().min(2019).max(2100) }).safeParse(req.query);
    if (!query.success) return kit.notFound(req, res);
    const ctx = await kit.ctxOf(req);
    const rows = await periodicReport(deps.db, kit.official(req), query.data);
    const heading = ctx.t(query.data.period === 'firstHalf' ? 'console.report.headingHalf' : 'console.report.headingYear', { year: String(query.data.year) });
    const fileName = `bao-cao-ocop-${query.data.period === 'firstHalf' ? '6-thang' : 'nam'}-${String(query.data.year)}.xlsx`;
    sendDownload(res, Buffer.from(await periodicReportWorkbook(rows, ctx.t, heading)), { mediaType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', fileName });
  });

  router.get('/overview.xlsx', async (req: Request, res: Response) => {
    const ctx = await kit.ctxOf(req);
    const workbook = await overviewWorkbook(await overviewOf(kit.official(req)), ctx.t);
    sendDownload(res, Buffer.from(workbook), { mediaType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', fileName: `tong-quan-ocop-${vietnamDateOf(deps.now())}.xlsx` });
  });
}

/** A table of a chart's numbers, under its caption; wide ones scroll inside their box, never the page. */
function numbersTable(ctx: PageContext, caption: string, head: Html, rows: Html[], foot?: Html): Html {
  const id = `table-${caption}`;
  return html`<div class="table-wrap" role="region" aria-labelledby="${id}" tabindex="0"><table class="numbers">
    <caption id="${id}">${ctx.t(`console.overview.${caption}`)}</caption>
    <thead>${head}</thead><tbody>${rows}</tbody>${foot ? html`<tfoot>${foot}</tfoot>` : ''}</table></div>`;
}

interface Segment {
  className: string;
  value: number;
  /** where it starts, in the chart's units; 0 when bars are drawn over each other */
  from?: number;
}

/** Segments laid end to end, each starting where the one before ends. */
function stacked(segments: Segment[]): Segment[] {
  let from = 0;
  return segments.map((segment) => {
    const placed = { ...segment, from };
    from += segment.value;
    return placed;
  });
}

/**
 * One bar as inline SVG: lengths are attributes, not styles, so the console's content
 * policy (no inline styles, no scripts) holds. `scale` is the value of the full width.
 */
function bar(segments: Segment[], scale: number): Html {
  const width = (value: number) => ((100 * value) / scale).toFixed(2);
  return html`<svg class="bar" viewBox="0 0 100 10" preserveAspectRatio="none" focusable="false">${segments
    .filter((s) => s.value > 0)
    .map((s) => html`<rect class="${s.className}" x="${width(s.from ?? 0)}" y="0" width="${width(s.value)}" height="10"></rect>`)}</svg>`;
}

function swatch(className: string): Html {
  return html`<svg class="swatch" viewBox="0 0 10 10" focusable="false"><rect class="${className}" width="10" height="10"></rect></svg>`;
}

/** The overview's tables as an .xlsx workbook, in the official's language, dates as dd/mm/yyyy. */
async function overviewWorkbook(overview: Overview, t: (key: string, vars?: Record<string, string>) => string): Promise<ArrayBuffer> {
  // Loaded when first asked for, as the ideas' export does: few officials export.
  const { default: ExcelJS } = await import('exceljs');
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet(t('console.overview.sheet'));
  sheet.columns = [
    { header: t('console.overview.communeCode'), key: 'code', width: 10 },
    { header: t('console.overview.commune'), key: 'name', width: 28 },
    ...pipelineStages.map((stage) => ({ header: t(`console.overview.stage.${stage}`), key: stage, width: 18 })),
  ];
  sheet.getRow(1).font = { bold: true };
  for (const commune of overview.communes) sheet.addRow({ code: commune.communeCode, name: commune.communeName, ...commune.reached });
  sheet.addRow({ code: '', name: t('console.overview.total'), ...overview.total }).font = { bold: true };

  const round = overview.round;
  if (round) {
    const roundSheet = workbook.addWorksheet(t('console.overview.roundSheet'));
    roundSheet.columns = [
      { header: t('console.overview.round'), key: 'label', width: 48 },
      { header: t('console.overview.roundName', { number: String(round.deadlines.round.number), year: String(round.deadlines.round.year) }), key: 'value', width: 16 },
    ];
    roundSheet.getRow(1).font = { bold: true };
    roundSheet.addRows([
      { label: t('console.overview.proposeBefore'), value: displayDate(round.deadlines.round.proposeBefore) },
      { label: t('console.overview.closesBefore'), value: displayDate(round.deadlines.round.closesBefore) },
      { label: t('console.overview.producerLastDay'), value: displayDate(round.deadlines.producerLastDay) },
      { label: t('console.overview.communeLastDay'), value: displayDate(round.deadlines.communeLastDay) },
      ...roundStates.map((state) => ({ label: t(`console.overview.roundState.${state}`), value: round.counts[state] })),
    ]);
  }
  return workbook.xlsx.writeBuffer() as Promise<ArrayBuffer>;
}
