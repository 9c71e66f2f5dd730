import { z } from 'zod';
import type { Database, Transaction } from '../db/database.js';
import { Prisma } from '../db/generated/client.js';

// The people whose messages Zalo refused because they were outside its window, and which
// are held until they write to the OA again (src/outbound/held-messages.ts). An official
// sees the people of their region: a commune official their commune's producers, a
// province official everyone of the province the bot knows by that address.

const heldSchema = z.object({ id: z.bigint(), kind: z.string().nullable(), text: z.string().nullable() });

const entrySchema = z.object({
  recipient: z.string(),
  name: z.string(),
  phone: z.string().nullable(),
  communeName: z.string().nullable(),
  since: z.date(),
  errorCode: z.number().int().nullable(),
  /** How the person was told that messages wait for them (notify/held-replies-notice.ts); null before anything was planned. */
  notice: z.object({ state: z.string(), channel: z.string().nullable(), at: z.coerce.date() }).nullable(),
  /** oldest first: the order they will go in */
  messages: z.array(heldSchema),
});

export type UnreachablePerson = z.infer<typeof entrySchema>;

export interface UnreachableScope {
  role: string;
  provinceCode: string;
  communeCode: string | null;
}

/** The people with held messages in `scope`, the longest waiting first; with `recipient`, that one only. */
export async function unreachablePeople(db: Database | Transaction, scope: UnreachableScope, recipient?: string): Promise<UnreachablePerson[]> {
  const region = scope.role === 'commune' ? Prisma.sql`p.commune_code = ${scope.communeCode ?? ''}` : Prisma.sql`p.province_code = ${scope.provinceCode}`;
  const rows = await db.$queryRaw<unknown[]>(Prisma.sql`
    WITH people AS (
      SELECT p.zalo_user_id AS address, p.name, p.phone, p.commune_code, u.commune_name, u.province_code, 1 AS rank FROM producer p JOIN administrative_unit u ON u.commune_code = p.commune_code WHERE p.zalo_user_id IS NOT NULL
      UNION ALL SELECT c.zalo_user_id, c.name, c.phone, NULL, NULL, c.province_code, 2 FROM council_person c WHERE c.zalo_user_id IS NOT NULL
      UNION ALL SELECT o.zalo_user_id, o.name, NULL, o.commune_code, u.commune_name, o.province_code, 3 FROM official o LEFT JOIN administrative_unit u ON u.commune_code = o.commune_code WHERE o.zalo_user_id IS NOT NULL
    ),
    -- One person per address, in the order notify/held-replies-notice.ts tells them in: a
    -- producer, then a council person, then an official (the first two have a phone to call).
    person AS (
      SELECT DISTINCT ON (p.address) p.* FROM people p WHERE ${region} ORDER BY p.address, p.rank
    )
    SELECT m.recipient, p.name, p.phone, p.commune_name AS "communeName", min(m.held_at) AS since,
      (array_agg(m.error_code ORDER BY m.id))[1] AS "errorCode",
      (SELECT json_build_object('state', n.state, 'channel', n.channel, 'at', coalesce(n.sent_at, n.closed_at, n.send_at)) FROM notification n
        WHERE n.key = ANY(array_agg('heldReplies:' || m.id::text)) ORDER BY n.id DESC LIMIT 1) AS notice,
      json_agg(json_build_object('id', m.id::text, 'kind', m.payload->>'kind', 'text', m.payload->>'text') ORDER BY m.id) AS messages
    FROM outbound_message m JOIN person p ON p.address = m.recipient
    WHERE m.status = 'held' ${recipient === undefined ? Prisma.empty : Prisma.sql`AND m.recipient = ${recipient}`}
    GROUP BY m.recipient, p.name, p.phone, p.commune_name
    ORDER BY since, m.recipient`);
  return z.array(entrySchema.extend({ messages: z.array(heldSchema.extend({ id: z.string().transform(BigInt) })) })).parse(rows);
}

/**
 * Marks `recipient`'s held messages up to `lastId` (those the official saw) as told by
 * phone: they are never sent. Returns how many; 0 when they went meanwhile.
 */
export async function markHandledByPhone(tx: Transaction, input: { recipient: string; lastId: bigint; officialId: bigint }): Promise<number> {
  const { count } = await tx.outboundMessage.updateMany({ where: { recipient: input.recipient, status: 'held', id: { lte: input.lastId } }, data: { status: 'handled', handledBy: `official:${input.officialId}` } });
  return count;
}
