import { createApiToken } from '../src/admin/api-tokens.js';
import { defaultConsoleAuth, issueSignInLink } from '../src/console/console-auth.js';
import type { Database } from '../src/db/database.js';

// `npm run dev` only: the officials' side can be tried at once. Two chat-page users of the
// Zalo stand-in are officials of the sample province (Đồng Nai, 75): one of the commune
// Tân Phú (26116), one of the province unit (and its administrator); and a fresh province
// token for the admin API.

export const DEMO_PROVINCE = { code: '75', name: 'Đồng Nai' } as const;
export const DEMO_COMMUNE = { code: '26116', name: 'Xã Tân Phú' } as const;

const demoOfficials = [
  { zaloUserId: 'sim-user-official', name: 'Trần Văn Minh (demo)', role: 'commune', communeCode: DEMO_COMMUNE.code },
  // The demo province official is also the administrator: the console's operations pages can be tried.
  { zaloUserId: 'sim-user-province', name: 'Lê Thị Lan (demo)', role: 'province', communeCode: null, administrator: true },
] as const;

const demoTokenName = 'Demo: Văn phòng OCOP tỉnh Đồng Nai (npm run dev)';

export interface DemoOfficials {
  /** each with a one-time sign-in token for the console (as "đăng nhập" in the chat gives) */
  officials: { zaloUserId: string; name: string; role: 'commune' | 'province'; signInToken: string | undefined }[];
  token: string;
}

/** Links the demo officials (again) and issues a new demo token; the previous one is revoked. */
export async function seedDemoOfficials(db: Database, now: Date): Promise<DemoOfficials> {
  for (const official of demoOfficials) {
    await db.zaloUser.upsert({ where: { id: official.zaloUserId }, create: { id: official.zaloUserId, locale: 'vi', createdAt: now, updatedAt: now }, update: {} });
    const fields = { name: official.name, role: official.role, provinceCode: DEMO_PROVINCE.code, communeCode: official.communeCode, linkedAt: now, invitationCode: null, invitationExpiresAt: null, administrator: 'administrator' in official };
    await db.official.upsert({ where: { zaloUserId: official.zaloUserId }, create: { ...fields, zaloUserId: official.zaloUserId, createdAt: now }, update: fields });
  }
  await db.apiToken.updateMany({ where: { name: demoTokenName, revokedAt: null }, data: { revokedAt: now } });
  const { token } = await createApiToken(db, { name: demoTokenName, role: 'province', provinceCode: DEMO_PROVINCE.code, communeCode: null });
  const officials = [];
  for (const { zaloUserId, name, role } of demoOfficials) {
    const link = await db.$transaction((tx) => issueSignInLink(tx, { zaloUserId, now, settings: defaultConsoleAuth }));
    officials.push({ zaloUserId, name, role, signInToken: link.kind === 'link' ? link.token : undefined });
  }
  return { officials, token };
}
