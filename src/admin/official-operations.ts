import { z } from 'zod';
import type { Database } from '../db/database.js';
import { OfficialRole, type Prisma } from '../db/generated/client.js';
import { Refusal } from '../errors/domain-error.js';
import { anyCaller, defineOperation, officialsOnly, type Caller, type Operation } from '../operations/operation.js';
import { communeCode, idParams, idText, instant, maybeInstant, nfcText } from '../operations/schemas.js';
import { deactivateOfficial } from '../officials/deactivate-official.js';
import { inviteOfficial } from '../officials/official-invitations.js';

// Officials through the API: invite one of the region (they link their Zalo account with
// the code), list them, and the province ending one's access.

export interface OfficialOperationsDeps {
  db: Database;
  now: () => Date;
  invitationTtlHours: number;
}

const inviteBody = z.strictObject({
  name: nfcText(1, 200),
  role: z.enum(['province', 'commune']),
  communeCode: communeCode.optional(),
});

const officialRole = z.enum(OfficialRole);
const invitationCode = z
  .string()
  .regex(/^OCOP-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}$/)
  .meta({ description: 'one-time: the person sends it to the OA from their own Zalo account to link it' });
const invitedAnswer = z.object({ id: idText, name: z.string(), role: officialRole, provinceCode: z.string(), communeCode: z.string().nullable(), invitationCode, expiresAt: instant });
const officialAnswer = z.object({
  id: idText,
  name: z.string(),
  role: officialRole,
  provinceCode: z.string(),
  communeCode: z.string().nullable(),
  linked: z.boolean().meta({ description: 'the official has linked a Zalo account' }),
  linkedAt: maybeInstant,
  invitationExpiresAt: maybeInstant,
  createdAt: instant,
  deactivatedAt: maybeInstant.meta({ description: 'set by the province: the official can no longer sign in to the console' }),
});

function officialRegion(caller: Caller): Prisma.OfficialWhereInput {
  return caller.role === 'commune' ? { communeCode: caller.communeCode } : { provinceCode: caller.provinceCode };
}


export function officialOperations(deps: OfficialOperationsDeps): Operation[] {
  return [
    defineOperation({
      id: 'inviteOfficial',
      method: 'post',
      path: '/officials',
      tag: 'officials',
      summary: 'Invite an official of the region',
      description: 'A commune token invites officials of its own commune only. The official sends the code to the OA from their own Zalo account; it is valid OFFICIAL_INVITATION_TTL_HOURS.',
      ...officialsOnly,
      body: inviteBody,
      errors: ['official.outsideRegion', 'region.invalid'],
      answer: { status: 201, schema: invitedAnswer, description: 'the official and their one-time code' },
      async handle({ caller, body }) {
        if (caller.role === 'commune' && (body.role !== 'commune' || body.communeCode !== caller.communeCode)) {
          throw new Refusal('official.outsideRegion', `a commune token invites officials of commune ${caller.communeCode} only`);
        }
        const invited = await deps.db.$transaction((tx) =>
          inviteOfficial(tx, { name: body.name, role: body.role, provinceCode: caller.provinceCode, communeCode: body.communeCode ?? null, now: deps.now(), ttlHours: deps.invitationTtlHours }),
        );
        const { official } = invited;
        return {
          id: String(official.id),
          name: official.name,
          role: official.role,
          provinceCode: official.provinceCode,
          communeCode: official.communeCode,
          invitationCode: invited.invitationCode,
          expiresAt: invited.expiresAt.toISOString(),
        };
      },
    }),
    defineOperation({
      id: 'listOfficials',
      method: 'get',
      path: '/officials',
      tag: 'officials',
      summary: "The region's officials, and whether each has linked a Zalo account",
      ...anyCaller,
      errors: [],
      answer: { status: 200, schema: z.object({ officials: z.array(officialAnswer) }), description: 'the officials, oldest first' },
      async handle({ caller }) {
        const found = await deps.db.official.findMany({ where: officialRegion(caller), orderBy: { id: 'asc' } });
        return {
          officials: found.map((official) => ({
            id: String(official.id),
            name: official.name,
            role: official.role,
            provinceCode: official.provinceCode,
            communeCode: official.communeCode,
            linked: official.zaloUserId !== null,
            linkedAt: official.linkedAt?.toISOString() ?? null,
            invitationExpiresAt: official.invitationExpiresAt?.toISOString() ?? null,
            createdAt: official.createdAt.toISOString(),
            deactivatedAt: official.deactivatedAt?.toISOString() ?? null,
          })),
        };
      },
    }),
    defineOperation({
      id: 'deactivateOfficial',
      method: 'post',
      path: '/officials/:id/deactivate',
      tag: 'officials',
      summary: "End an official's access: no more console sign-in, open sessions end at once",
      roles: ['province'],
      refusal: 'officials are deactivated by the province OCOP unit',
      params: idParams,
      paramsDescription: { id: 'the official' },
      errors: ['official.notFound'],
      answer: { status: 200, schema: z.object({ id: idText, name: z.string(), deactivatedAt: maybeInstant }), description: 'the official, deactivated (again, it changes nothing)' },
      async handle({ caller, params }) {
        const official = await deps.db.$transaction(async (tx) => {
          const found = await tx.official.findFirst({ where: { id: params.id, provinceCode: caller.provinceCode } });
          if (!found) throw new Refusal('official.notFound', 'no such official');
          if (!found.deactivatedAt) await deactivateOfficial(tx, { officialId: params.id, now: deps.now() });
          return tx.official.findUniqueOrThrow({ where: { id: params.id } });
        });
        return { id: String(official.id), name: official.name, deactivatedAt: official.deactivatedAt?.toISOString() ?? null };
      },
    }),
  ];
}
