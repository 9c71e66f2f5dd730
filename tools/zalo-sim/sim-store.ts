import { createHash, randomBytes, randomInt } from 'node:crypto';
import type {
  ApiCallRecord,
  DeliveryAttempt,
  FaultInput,
  FaultRule,
  OaChannel,
  SentFilter,
  SimClock,
  SimEvent,
  SimState,
  SimUser,
  SlowRequestRecord,
  TokenPair,
  TranscriptItem,
  UserPatch,
  WebhookDelivery,
} from './sim-types.js';

export const PRESET_USERS: ReadonlyArray<{ id: string; displayName: string; phone: string }> = [
  { id: 'sim-user-producer', displayName: 'Nguyễn Thị Hoa (chủ thể OCOP)', phone: '84912345678' },
  { id: 'sim-user-official', displayName: 'Trần Văn Minh (cán bộ xã)', phone: '84987654321' },
  { id: 'sim-user-province', displayName: 'Lê Thị Lan (cán bộ tỉnh)', phone: '84978123456' },
];

export interface StoredFile {
  id: string;
  name: string;
  contentType: string;
  data: Buffer;
  /** md5 hex, used as the `checksum` of user file payloads. */
  checksum: string;
  storedAt: number;
  origin: 'oa-upload' | 'user';
}

export interface ZnsRecord {
  msgId: string;
  sentTime: string;
}

export interface SimStoreConfig {
  appId: string;
  oaId: string;
  initialTokens: TokenPair;
  accessTokenLifetimeSeconds: number;
  clock: SimClock;
  oldAccessTokensStayValid: boolean;
  echoSends: boolean;
  postReceipts: boolean;
  webhookUrl: string | null;
}

export type AccessTokenCheck = 'ok' | 'invalid' | 'expired';

export type RefreshOutcome =
  | { ok: true; pair: TokenPair }
  | { ok: false; reason: 'spent' | 'unknown' };

/** A 19-digit decimal string derived from a seed: beyond 2^53, so parsing it as a number loses digits. */
export function deriveLongId(seed: string): string {
  const hex = createHash('sha256').update(seed).digest('hex').slice(0, 15);
  return (10n ** 18n + (BigInt(`0x${hex}`) % (8n * 10n ** 18n))).toString();
}

/** Vietnamese numbers to the 84… form ZNS uses; anything else is returned unchanged. */
export function normalizePhone(phone: string): string {
  const digits = phone.replace(/[\s.+-]/g, '');
  return /^0\d{9,10}$/.test(digits) ? `84${digits.slice(1)}` : digits;
}

/** All state of one stand-in, in memory: it is a test double. */
export function createSimStore(config: SimStoreConfig) {
  const { clock } = config;
  const listeners = new Set<(event: SimEvent) => void>();

  // Random 19-digit base per instance so two stand-ins never hand out the same ids,
  // consecutive within one so ids that differ only in the last digits are common.
  let nextMessageNumber = 10n ** 18n + BigInt(randomInt(0, 2 ** 47)) * 50_000n;
  let tokenGeneration = 0;
  let seq = 0;
  let webhookUrl = config.webhookUrl;

  let users = new Map<string, SimUser>();
  let transcript: TranscriptItem[] = [];
  let deliveries: WebhookDelivery[] = [];
  let faults: FaultRule[] = [];
  let calls: ApiCallRecord[] = [];
  let slowRequests: SlowRequestRecord[] = [];
  let files = new Map<string, StoredFile>();
  let fileTokens = new Map<string, string>();
  let imageAttachments = new Map<string, string>();
  let znsByTrackingId = new Map<string, ZnsRecord>();
  let znsDuplicates = 0;
  let seenMessageIds = new Set<string>();

  // Access tokens that are currently accepted, with their expiry (epoch ms).
  let accessTokens = new Map<string, number>();
  let currentAccessToken: string | null = null;
  let currentRefreshToken: string | null = null;
  let spentRefreshTokens = new Set<string>();
  let grantRevoked = false;
  let refreshCount = 0;
  let refreshAttempts = 0;

  function emit(event: SimEvent): void {
    for (const listener of listeners) listener(event);
  }

  function installGrant(pair: TokenPair): void {
    if (!config.oldAccessTokensStayValid) accessTokens = new Map();
    accessTokens.set(pair.accessToken, clock.now() + config.accessTokenLifetimeSeconds * 1000);
    currentAccessToken = pair.accessToken;
    currentRefreshToken = pair.refreshToken;
    grantRevoked = false;
  }

  function seedUsers(): void {
    users = new Map();
    for (const preset of PRESET_USERS) {
      users.set(preset.id, {
        id: preset.id,
        userIdByApp: deriveLongId(`${config.appId}:${preset.id}`),
        displayName: preset.displayName,
        following: true,
        lastInteractionAt: null,
        phone: preset.phone,
        sharedInfo: null,
      });
    }
  }

  function reset(): void {
    transcript = [];
    deliveries = [];
    faults = [];
    calls = [];
    slowRequests = [];
    files = new Map();
    fileTokens = new Map();
    imageAttachments = new Map();
    znsByTrackingId = new Map();
    znsDuplicates = 0;
    seenMessageIds = new Set();
    spentRefreshTokens = new Set();
    refreshCount = 0;
    refreshAttempts = 0;
    accessTokens = new Map();
    installGrant(config.initialTokens);
    seedUsers();
    emit({ type: 'reset' });
  }

  installGrant(config.initialTokens);
  seedUsers();

  function nextMessageId(): string {
    nextMessageNumber += 1n;
    return nextMessageNumber.toString();
  }

  function randomToken(): string {
    return randomBytes(24).toString('base64url');
  }

  // ---- tokens ----

  function checkAccessToken(token: string | null): AccessTokenCheck {
    if (!token) return 'invalid';
    const expiresAt = accessTokens.get(token);
    if (expiresAt === undefined) return 'invalid';
    return clock.now() >= expiresAt ? 'expired' : 'ok';
  }

  function refresh(refreshToken: string): RefreshOutcome {
    if (refreshToken !== '' && refreshToken === currentRefreshToken) {
      spentRefreshTokens.add(refreshToken);
      tokenGeneration += 1;
      const pair = {
        accessToken: `sim-access-${tokenGeneration}-${randomBytes(4).toString('hex')}`,
        refreshToken: `sim-refresh-${tokenGeneration}-${randomBytes(4).toString('hex')}`,
      };
      installGrant(pair);
      refreshCount += 1;
      emitState();
      return { ok: true, pair };
    }
    if (spentRefreshTokens.has(refreshToken)) {
      // Zalo treats a replayed refresh token as theft: the whole grant dies and an
      // OA admin has to consent again.
      accessTokens = new Map();
      currentAccessToken = null;
      currentRefreshToken = null;
      grantRevoked = true;
      emitState();
      return { ok: false, reason: 'spent' };
    }
    return { ok: false, reason: 'unknown' };
  }

  function countRefreshAttempt(): void {
    refreshAttempts += 1;
  }

  function expireAccessToken(): void {
    if (currentAccessToken) accessTokens.set(currentAccessToken, clock.now());
    emitState();
  }

  function grantTokens(pair: TokenPair): void {
    installGrant(pair);
    emitState();
  }

  // ---- users ----

  function ensureUser(id: string, displayName?: string): SimUser {
    const existing = users.get(id);
    if (existing) {
      if (displayName && displayName !== existing.displayName) {
        existing.displayName = displayName;
        emit({ type: 'user', user: { ...existing } });
      }
      return existing;
    }
    const user: SimUser = {
      id,
      userIdByApp: deriveLongId(`${config.appId}:${id}`),
      displayName: displayName || `Người dùng ${id}`,
      following: true,
      lastInteractionAt: null,
      phone: null,
      sharedInfo: null,
    };
    users.set(id, user);
    emit({ type: 'user', user: { ...user } });
    return user;
  }

  function setUser(id: string, patch: UserPatch): SimUser {
    const user = ensureUser(id);
    if (patch.displayName !== undefined) user.displayName = patch.displayName;
    if (patch.following !== undefined) user.following = patch.following;
    if (patch.lastInteractionAt !== undefined) user.lastInteractionAt = patch.lastInteractionAt;
    if (patch.phone !== undefined) user.phone = patch.phone === null ? null : normalizePhone(patch.phone);
    emit({ type: 'user', user: { ...user } });
    return { ...user };
  }

  function touchUser(user: SimUser): void {
    user.lastInteractionAt = clock.now();
    emit({ type: 'user', user: { ...user } });
  }

  function findUserByAppScopedId(userIdByApp: string): SimUser | undefined {
    return [...users.values()].find((u) => u.userIdByApp === userIdByApp);
  }

  function findUserByPhone(phone: string): SimUser | undefined {
    return [...users.values()].find((u) => u.phone === phone);
  }

  // ---- transcript ----

  function addItem(item: Omit<TranscriptItem, 'seq'>): TranscriptItem {
    seq += 1;
    const stored: TranscriptItem = { seq, ...item };
    transcript.push(stored);
    emit({ type: 'item', item: stored });
    return stored;
  }

  function updateItem(itemSeq: number, patch: Partial<TranscriptItem>): void {
    const item = transcript.find((i) => i.seq === itemSeq);
    if (!item) return;
    Object.assign(item, patch);
    emit({ type: 'item', item });
  }

  function getTranscript(userId?: string): TranscriptItem[] {
    return transcript.filter((i) => userId === undefined || i.userId === userId);
  }

  function getSent(filter: SentFilter = {}): TranscriptItem[] {
    return transcript.filter(
      (i) =>
        i.direction === 'oa' &&
        (filter.userId === undefined || i.userId === filter.userId) &&
        (filter.channel === undefined || i.channel === filter.channel) &&
        (filter.kind === undefined || i.kind === filter.kind),
    );
  }

  function unseenOaMessageIds(userId: string): string[] {
    return transcript
      .filter((i) => i.direction === 'oa' && i.userId === userId && i.channel !== 'zns' && i.messageId)
      .map((i) => i.messageId ?? '')
      .filter((id) => id !== '' && !seenMessageIds.has(id));
  }

  function markSeen(ids: string[]): void {
    for (const id of ids) seenMessageIds.add(id);
  }

  // ---- webhook deliveries ----

  function addDelivery(delivery: WebhookDelivery): void {
    deliveries.push(delivery);
  }

  function recordAttempt(delivery: WebhookDelivery, attempt: DeliveryAttempt): void {
    delivery.attempts.push(attempt);
    emit({ type: 'delivery', delivery });
  }

  function getDelivery(id: string): WebhookDelivery | undefined {
    return deliveries.find((d) => d.id === id);
  }

  function getDeliveries(filter: { userId?: string; eventName?: string } = {}): WebhookDelivery[] {
    return deliveries.filter(
      (d) =>
        (filter.userId === undefined || d.userId === filter.userId) &&
        (filter.eventName === undefined || d.eventName === filter.eventName),
    );
  }

  // ---- faults, calls, slow requests ----

  function addFault(input: FaultInput): FaultRule {
    const rule: FaultRule = {
      id: `fault-${randomBytes(4).toString('hex')}`,
      path: input.path === undefined || input.path === '*' || input.path === '' ? null : input.path,
      remaining: input.times ?? 1,
      ...(input.error !== undefined ? { error: input.error } : {}),
      ...(input.message !== undefined ? { message: input.message } : {}),
      ...(input.httpStatus !== undefined ? { httpStatus: input.httpStatus } : {}),
      ...(input.delayMs !== undefined ? { delayMs: input.delayMs } : {}),
    };
    faults.push(rule);
    emitState();
    return { ...rule };
  }

  /** The first pending fault for this path (exact rules and "any path" rules in the order they were added). */
  function takeFault(path: string): FaultRule | undefined {
    const rule = faults.find((f) => f.path === null || f.path === path);
    if (!rule) return undefined;
    rule.remaining -= 1;
    if (rule.remaining <= 0) faults = faults.filter((f) => f !== rule);
    emitState();
    return { ...rule };
  }

  function clearFaults(): void {
    faults = [];
    emitState();
  }

  function addCall(call: Omit<ApiCallRecord, 'seq'>): void {
    calls.push({ seq: calls.length + 1, ...call });
  }

  function getCalls(filter: { path?: string } = {}): ApiCallRecord[] {
    return calls.filter((c) => filter.path === undefined || c.path === filter.path);
  }

  function addSlowRequest(record: SlowRequestRecord): void {
    slowRequests.push(record);
  }

  // ---- files ----

  function storeFile(input: { name: string; contentType: string; data: Buffer; origin: StoredFile['origin'] }): StoredFile {
    const file: StoredFile = {
      id: randomBytes(8).toString('hex'),
      name: input.name,
      contentType: input.contentType,
      data: input.data,
      checksum: createHash('md5').update(input.data).digest('hex'),
      storedAt: clock.now(),
      origin: input.origin,
    };
    files.set(file.id, file);
    return file;
  }

  function issueFileToken(fileId: string): string {
    const token = randomToken();
    fileTokens.set(token, fileId);
    return token;
  }

  function issueImageAttachmentId(fileId: string): string {
    const id = randomToken();
    imageAttachments.set(id, fileId);
    return id;
  }

  function fileByToken(token: string): StoredFile | undefined {
    const id = fileTokens.get(token);
    return id === undefined ? undefined : files.get(id);
  }

  function fileByAttachmentId(attachmentId: string): StoredFile | undefined {
    const id = imageAttachments.get(attachmentId);
    return id === undefined ? undefined : files.get(id);
  }

  // ---- ZNS idempotency ----

  function znsRecord(trackingId: string): ZnsRecord | undefined {
    return znsByTrackingId.get(trackingId);
  }

  function rememberZns(trackingId: string, record: ZnsRecord): void {
    znsByTrackingId.set(trackingId, record);
  }

  function countZnsDuplicate(): void {
    znsDuplicates += 1;
  }

  // ---- snapshot ----

  function getState(): SimState {
    return {
      appId: config.appId,
      oaId: config.oaId,
      webhookUrl,
      echoSends: config.echoSends,
      postReceipts: config.postReceipts,
      tokens: {
        accessToken: currentAccessToken,
        refreshToken: currentRefreshToken,
        accessTokenExpiresAt: currentAccessToken ? (accessTokens.get(currentAccessToken) ?? null) : null,
        grantRevoked,
      },
      refreshCount,
      refreshAttempts,
      counts: {
        users: users.size,
        sent: transcript.filter((i) => i.direction === 'oa').length,
        transcript: transcript.length,
        deliveries: deliveries.length,
        failedDeliveries: deliveries.filter((d) => d.attempts.at(-1)?.status !== 200).length,
        calls: calls.length,
        pendingFaults: faults.length,
        slowRequests: slowRequests.length,
        files: files.size,
        znsDuplicates,
      },
    };
  }

  function emitState(): void {
    emit({ type: 'state', state: getState() });
  }

  return {
    config,
    clock,
    subscribe(listener: (event: SimEvent) => void): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    emitState,
    reset,
    nextMessageId,
    getWebhookUrl: () => webhookUrl,
    setWebhookUrl(url: string | null): void {
      webhookUrl = url;
      emitState();
    },
    checkAccessToken,
    refresh,
    countRefreshAttempt,
    expireAccessToken,
    grantTokens,
    ensureUser,
    setUser,
    touchUser,
    getUser: (id: string): SimUser | undefined => users.get(id),
    listUsers: (): SimUser[] => [...users.values()].map((u) => ({ ...u })),
    findUserByAppScopedId,
    findUserByPhone,
    addItem,
    updateItem,
    getTranscript,
    getSent,
    unseenOaMessageIds,
    markSeen,
    addDelivery,
    recordAttempt,
    getDelivery,
    getDeliveries,
    addFault,
    takeFault,
    clearFaults,
    getFaults: (): FaultRule[] => faults.map((f) => ({ ...f })),
    addCall,
    getCalls,
    addSlowRequest,
    getSlowRequests: (): SlowRequestRecord[] => slowRequests.map((r) => ({ ...r })),
    storeFile,
    getFile: (id: string): StoredFile | undefined => files.get(id),
    issueFileToken,
    issueImageAttachmentId,
    fileByToken,
    fileByAttachmentId,
    znsRecord,
    rememberZns,
    countZnsDuplicate,
    getState,
  };
}

export type SimStore = ReturnType<typeof createSimStore>;

export function isOaChannel(value: string): value is OaChannel {
  return value === 'cs' || value === 'template' || value === 'zns' || value === 'admin';
}
