import { z } from 'zod';
import type { Database } from '../db/database.js';
import { Prisma, type Official } from '../db/generated/client.js';
import { ideaRegionSql } from '../officials/region-scope.js';

// How far the product ideas of an official's region have come, per commune: one aggregate
// over ideas, their dossiers and their current council result, whatever the number of
// communes.

/** The steps of OCOP a product goes through, in order (Decision 26/2026, Art. 6 and 7). */
export const pipelineStages = ['registered', 'dossierStarted', 'submitted', 'checked', 'evaluated', 'certified'] as const;
export type PipelineStage = (typeof pipelineStages)[number];

/**
 * Where an idea is now, each in exactly one place: a dossier handed in is `submitted` while
 * the commune checks it and `returned` while items are awaited from the producer; an
 * evaluated product is `certified` when its stars are certified by the level of the
 * council that gave them (a 5★ result of a province council still awaits the ministry).
 */
export const pipelineStates = ['registered', 'collecting', 'submitted', 'returned', 'checked', 'evaluated', 'certified'] as const;
export type PipelineState = (typeof pipelineStates)[number];

export interface CommunePipeline {
  communeCode: string;
  communeName: string;
  /** ideas in each state now */
  now: Record<PipelineState, number>;
  /** ideas that reached each stage (those that went further included) */
  reached: Record<PipelineStage, number>;
}

const rowSchema = z.object({
  communeCode: z.string(),
  communeName: z.string(),
  state: z.enum(pipelineStates),
  count: z.number().int().nonnegative(),
});

/** Which states have reached a stage: the stage's own and every later one. */
const statesReaching: Record<PipelineStage, readonly PipelineState[]> = {
  registered: pipelineStates,
  dossierStarted: ['collecting', 'submitted', 'returned', 'checked', 'evaluated', 'certified'],
  submitted: ['submitted', 'returned', 'checked', 'evaluated', 'certified'],
  checked: ['checked', 'evaluated', 'certified'],
  evaluated: ['evaluated', 'certified'],
  certified: ['certified'],
};

const emptyStates = (): Record<PipelineState, number> => Object.fromEntries(pipelineStates.map((s) => [s, 0])) as Record<PipelineState, number>;

/** The reached-stage counts of some ideas, from where they are now. */
export function reachedOf(now: Record<PipelineState, number>): Record<PipelineStage, number> {
  return Object.fromEntries(pipelineStages.map((stage) => [stage, statesReaching[stage].reduce((sum, state) => sum + now[state], 0)])) as Record<PipelineStage, number>;
}

/** The same counts summed over communes: the region's. */
export function totalOf(communes: readonly CommunePipeline[]): Record<PipelineState, number> {
  const total = emptyStates();
  for (const commune of communes) for (const state of pipelineStates) total[state] += commune.now[state];
  return total;
}

/**
 * The pipeline of every commune of the official's region that has an idea, in the order of
 * their names (Vietnamese collation). Regions are those of the JSON API (officials/region-scope.ts).
 */
export async function pipelineCounts(db: Database, official: Official): Promise<CommunePipeline[]> {
  const rows = await db.$queryRaw<unknown[]>(Prisma.sql`
    SELECT i.commune_code AS "communeCode", coalesce(u.commune_name, i.commune_code) AS "communeName", s.state, count(*)::int AS count
    FROM product_idea i
    LEFT JOIN dossier d ON d.product_idea_id = i.id
    LEFT JOIN administrative_unit u ON u.commune_code = i.commune_code
    -- the current result: the latest not superseded by a correction
    LEFT JOIN LATERAL (
      SELECT r.certifying_level, c.level AS council_level
      FROM evaluation_result r JOIN meeting m ON m.id = r.meeting_id JOIN council c ON c.id = m.council_id
      WHERE r.product_idea_id = i.id AND r.superseded_at IS NULL
      ORDER BY r.recorded_at DESC, r.id DESC
      LIMIT 1
    ) r ON true
    CROSS JOIN LATERAL (SELECT CASE
      WHEN r.council_level IS NOT NULL AND r.certifying_level = r.council_level THEN 'certified'
      WHEN r.council_level IS NOT NULL THEN 'evaluated'
      WHEN d.status = 'checked' THEN 'checked'
      WHEN d.status = 'returned' THEN 'returned'
      WHEN d.status = 'submitted' THEN 'submitted'
      WHEN d.id IS NOT NULL THEN 'collecting'
      ELSE 'registered' END AS state) s
    WHERE ${ideaRegionSql(official, 'i')}
    GROUP BY 1, 2, 3`);
  const byCommune = new Map<string, { communeName: string; now: Record<PipelineState, number> }>();
  for (const row of z.array(rowSchema).parse(rows)) {
    const commune = byCommune.get(row.communeCode) ?? { communeName: row.communeName, now: emptyStates() };
    commune.now[row.state] += row.count;
    byCommune.set(row.communeCode, commune);
  }
  return [...byCommune.entries()]
    .map(([communeCode, { communeName, now }]) => ({ communeCode, communeName, now, reached: reachedOf(now) }))
    .sort((a, b) => a.communeName.localeCompare(b.communeName, 'vi') || a.communeCode.localeCompare(b.communeCode));
}
