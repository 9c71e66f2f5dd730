import type { Transaction } from '../db/database.js';
import type { Council, CouncilLevel, CouncilPerson, CouncilRole } from '../db/generated/client.js';
import { inviteCouncilPerson } from './council-people.js';
import { DomainError } from '../errors/domain-error.js';

// A council of a province: its people, each either new (with a one-time invitation code to
// link their Zalo) or already known in the province from another council.

export type CouncilMemberInput = { name: string; phone?: string | null | undefined; role: CouncilRole } | { personId: bigint; role: CouncilRole };

export interface CreatedMember {
  person: CouncilPerson;
  role: CouncilRole;
  /** set for a new person: the code they send the OA, shown once */
  invitationCode?: string;
  expiresAt?: Date;
}

/** A `personId` that is not a person of the council's province. */
export class CouncilPersonUnknownError extends DomainError {
  override name = 'CouncilPersonUnknownError';
  readonly code = 'council.personUnknown';
}

/** The same person listed twice. */
export class CouncilPersonTwiceError extends DomainError {
  override name = 'CouncilPersonTwiceError';
  readonly code = 'council.personTwice';
}

export async function createCouncil(
  tx: Transaction,
  input: { name: string; level: CouncilLevel; year: number; provinceCode: string; createdBy: string; members: readonly CouncilMemberInput[]; now: Date; ttlHours: number },
): Promise<{ council: Council; members: CreatedMember[] }> {
  const council = await tx.council.create({ data: { name: input.name, level: input.level, year: input.year, provinceCode: input.provinceCode, createdBy: input.createdBy, createdAt: input.now } });
  const members: CreatedMember[] = [];
  for (const m of input.members) {
    if ('personId' in m) {
      // Someone already on another council of this province sits on this one too.
      const person = await tx.councilPerson.findFirst({ where: { id: m.personId, provinceCode: input.provinceCode } });
      if (!person) throw new CouncilPersonUnknownError(`person ${m.personId} is not known in province ${input.provinceCode}`);
      members.push({ person, role: m.role });
    } else {
      const invited = await inviteCouncilPerson(tx, { name: m.name, phone: m.phone ?? null, provinceCode: input.provinceCode, now: input.now, ttlHours: input.ttlHours });
      members.push({ person: invited.person, role: m.role, invitationCode: invited.invitationCode, expiresAt: invited.expiresAt });
    }
  }
  if (new Set(members.map((m) => m.person.id)).size !== members.length) throw new CouncilPersonTwiceError('a person is listed twice');
  await tx.councilMember.createMany({ data: members.map((m) => ({ councilId: council.id, personId: m.person.id, role: m.role })) });
  return { council, members };
}
