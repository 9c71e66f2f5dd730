import { z } from 'zod';
import type { Database } from '../db/database.js';
import { Prisma } from '../db/generated/client.js';

// The outbox rows that failed, for the province's administrator. A row names only an address
// (an OA-scoped Zalo id, or a phone for ZNS); who it is, and so which province, is read from
// the people the bot knows by that address: producers (by their commune), officials, council
// people and holders of imported certificates. The administrator of a province sees the rows
// of their province's people, and the rows whose address matches nobody (people who wrote to
// the OA but never registered), which belong to no province; rows of another province's
// people are not shown. An address shared by people of two provinces is shown to both.

export const personKinds = ['producer', 'official', 'councilPerson', 'certifiedProducer'] as const;

const personSchema = z.object({ name: z.string(), phone: z.string().nullable(), kind: z.enum(personKinds) });

const rowSchema = z.object({
  id: z.bigint(),
  status: z.enum(['pending', 'sending', 'sent', 'failed', 'held', 'handled']),
  recipient: z.string(),
  channel: z.enum(['cs', 'template', 'zns']),
  kind: z.string().nullable(),
  lastError: z.string().nullable(),
  errorCode: z.number().int().nullable(),
  inDoubt: z.boolean(),
  attempts: z.number().int(),
  createdAt: z.date(),
  failedAt: z.date().nullable(),
  /** the province's people at this address; empty when the address matches nobody */
  people: z.array(personSchema),
});

export type FailedMessage = z.infer<typeof rowSchema>;

/** At most this many rows, the latest failure first. */
export const failedMessagesShown = 100;

/**
 * Failed rows the administrator of `provinceCode` may see and retry. With `id`, that one row
 * if they may see it, whatever its status now (it may have been retried meanwhile).
 */
export async function failedMessages(db: Database, input: { provinceCode: string; id?: bigint }): Promise<FailedMessage[]> {
  const rows = await db.$queryRaw<unknown[]>(Prisma.sql`
    WITH people AS (
      SELECT p.zalo_user_id AS address, p.name, p.phone, u.province_code, 'producer' AS kind FROM producer p JOIN administrative_unit u ON u.commune_code = p.commune_code
      UNION ALL SELECT p.phone, p.name, p.phone, u.province_code, 'producer' FROM producer p JOIN administrative_unit u ON u.commune_code = p.commune_code
      UNION ALL SELECT o.zalo_user_id, o.name, NULL, o.province_code, 'official' FROM official o WHERE o.zalo_user_id IS NOT NULL
      UNION ALL SELECT c.zalo_user_id, c.name, c.phone, c.province_code, 'councilPerson' FROM council_person c WHERE c.zalo_user_id IS NOT NULL
      UNION ALL SELECT c.phone, c.name, c.phone, c.province_code, 'councilPerson' FROM council_person c WHERE c.phone IS NOT NULL
      UNION ALL SELECT cp.producer_phone, cp.producer_name, cp.producer_phone, cp.province_code, 'certifiedProducer' FROM certified_product cp WHERE cp.producer_phone IS NOT NULL
    )
    SELECT m.id, m.status::text AS status, m.recipient, m.channel::text AS channel, m.payload->>'kind' AS kind, m.last_error AS "lastError", m.error_code AS "errorCode",
      m.in_doubt AS "inDoubt", m.attempts, m.created_at AS "createdAt", m.failed_at AS "failedAt",
      coalesce((SELECT json_agg(DISTINCT jsonb_build_object('name', p.name, 'phone', p.phone, 'kind', p.kind)) FROM people p WHERE p.address = m.recipient AND p.province_code = ${input.provinceCode}), '[]'::json) AS people
    FROM outbound_message m
    WHERE ${input.id === undefined ? Prisma.sql`m.status = 'failed'` : Prisma.sql`m.id = ${input.id}`}
      AND (EXISTS (SELECT 1 FROM people p WHERE p.address = m.recipient AND p.province_code = ${input.provinceCode})
        OR NOT EXISTS (SELECT 1 FROM people p WHERE p.address = m.recipient))
    ORDER BY m.failed_at DESC NULLS LAST, m.id DESC
    LIMIT ${failedMessagesShown}`);
  return z.array(rowSchema).parse(rows);
}
