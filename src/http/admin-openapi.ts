import { z } from 'zod';
import {
  campaignDeadlineBody,
  certifiedProductsBody,
  form03Types,
  ideaParams,
  idParams,
  inviteBody,
  listCertifiedProductsQuery,
  listIdeasQuery,
  listNotificationsQuery,
  returnBody,
  returnItemsBody,
  snoozeBody,
} from './admin-schemas.js';
import { producerKinds } from '../ocop/producer-kinds.js';
import { createCouncilBody, idParam, meetingBody, moveBody, resultsBody } from './council-api.js';

// The OpenAPI 3.1 description of /admin/v1 and of the signed links. What a client sends is
// described by the routes' own zod schemas; the answers are written here by hand.
// test/unit/admin-openapi.test.ts fails when a registered route is missing here, or a path
// here has no route.

type JsonSchema = z.core.JSONSchema.JSONSchema;
type SchemaOrBoolean = z.core.JSONSchema._JSONSchema;

interface Parameter {
  name: string;
  in: 'path' | 'query';
  required: boolean;
  description?: string;
  schema: SchemaOrBoolean;
}

interface MediaType {
  schema?: JsonSchema;
}

interface ResponseObject {
  description: string;
  headers?: Record<string, { description: string; schema: JsonSchema }>;
  content?: Record<string, MediaType>;
}

interface Operation {
  operationId: string;
  tags: string[];
  summary: string;
  description?: string;
  security?: Record<string, string[]>[];
  parameters?: Parameter[];
  requestBody?: { required: boolean; description?: string; content: Record<string, MediaType> };
  responses: Record<string, ResponseObject | { $ref: string }>;
}

type HttpMethod = 'get' | 'post' | 'patch';

export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string; description: string };
  tags: { name: string; description: string }[];
  security: Record<string, string[]>[];
  paths: Record<string, Partial<Record<HttpMethod, Operation>>>;
  components: {
    securitySchemes: Record<string, { type: 'http'; scheme: 'bearer'; bearerFormat: string; description: string }>;
    schemas: Record<string, JsonSchema>;
    responses: Record<string, ResponseObject>;
  };
}

/**
 * Text fields are normalised (NFC) and trimmed before their length is checked, so the
 * input side of their pipe has no limits: the checked value's limits are written back.
 */
function addCheckedLengths({ zodSchema, jsonSchema }: { zodSchema: z.core.$ZodTypes; jsonSchema: JsonSchema }): void {
  if (!(zodSchema instanceof z.ZodPipe) || !(zodSchema.out instanceof z.ZodString)) return;
  const { minLength, maxLength } = zodSchema.out;
  if (minLength !== null) jsonSchema.minLength = minLength;
  if (maxLength !== null) jsonSchema.maxLength = maxLength;
  jsonSchema.description = 'length counted after Unicode NFC normalisation and trimming';
}

function describeInput(schema: z.ZodType): JsonSchema {
  const json: JsonSchema = z.toJSONSchema(schema, { io: 'input', override: addCheckedLengths });
  // The document already declares the dialect (OpenAPI 3.1 uses draft 2020-12).
  delete json.$schema;
  return json;
}

function describeParameters(schema: z.ZodType, location: Parameter['in'], descriptions: Record<string, string>): Parameter[] {
  const json = describeInput(schema);
  const required = new Set(json.required ?? []);
  return Object.entries(json.properties ?? {}).map(([name, property]) => ({
    name,
    in: location,
    required: location === 'path' || required.has(name),
    ...(descriptions[name] ? { description: descriptions[name] } : {}),
    schema: property,
  }));
}

function jsonBody(schema: z.ZodType, description?: string): Operation['requestBody'] {
  return { required: true, ...(description ? { description } : {}), content: { 'application/json': { schema: describeInput(schema) } } };
}

const ref = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${name}` });

function answer(description: string, schema: JsonSchema): ResponseObject {
  return { description, content: { 'application/json': { schema } } };
}

function failure(description: string): ResponseObject {
  return answer(description, ref('Error'));
}

/** A document the commune uploads as the bare file (Form 03, its proposal letter). */
function communeUpload(parameters: Parameter[], operationId: string, summary: string, description: string) {
  return {
    post: {
      operationId,
      tags: ['dossiers'],
      summary,
      description,
      parameters,
      requestBody: {
        required: true,
        description: 'the file itself, at most 25 MB; its bytes, not the Content-Type, decide what is stored',
        content: Object.fromEntries(form03Types.map((type) => [type, {}])),
      },
      responses: {
        '201': answer('the stored document', ref('Document')),
        '400': failure('an invalid id (`issues`), or an empty body'),
        '401': unauthorized,
        '404': noDossier,
        '413': failure('the file is over 25 MB'),
        '415': failure(`another Content-Type than ${form03Types.join(', ')}, or bytes that are none of them`),
        '503': failure('this process stores no documents'),
      },
    },
  };
}

/** An object whose every property is always present, except those named optional. */
function object(properties: Record<string, JsonSchema>, optional: string[] = []): JsonSchema {
  return { type: 'object', properties, required: Object.keys(properties).filter((key) => !optional.includes(key)) };
}

const text: JsonSchema = { type: 'string' };
const maybeText: JsonSchema = { type: ['string', 'null'] };
const count: JsonSchema = { type: 'integer', minimum: 0 };
const instant: JsonSchema = { type: 'string', format: 'date-time' };
const maybeInstant: JsonSchema = { type: ['string', 'null'], format: 'date-time' };
const id: JsonSchema = { type: 'string', pattern: '^[1-9]\\d*$', description: 'a 64-bit id, written as a string' };
const maybeId: JsonSchema = { type: ['string', 'null'], pattern: '^[1-9]\\d*$' };
const sha256: JsonSchema = { type: 'string', pattern: '^[0-9a-f]{64}$' };
const link: JsonSchema = { type: 'string', format: 'uri', description: 'a signed link for this token, valid PACKET_LINK_TTL_HOURS' };
const invitationCode: JsonSchema = {
  type: 'string',
  pattern: '^OCOP-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}$',
  description: 'one-time: the person sends it to the OA from their own Zalo account to link it',
};
const anyJson: JsonSchema = {};

const schemas: Record<string, JsonSchema> = {
  Error: object(
    {
      error: {
        type: 'string',
        enum: ['bad_request', 'unauthorized', 'forbidden', 'not_found', 'conflict', 'payload_too_large', 'unsupported_media_type', 'unprocessable', 'unavailable', 'internal'],
      },
      message: text,
      issues: {
        type: 'array',
        description: 'with a 400 for invalid input: each problem and where, e.g. `body.items.0.reason`',
        items: object({ path: text, message: text }),
      },
    },
    ['issues'],
  ),
  IdeaSummary: object({
    id,
    receiptNumber: { type: 'string', description: '`<n>/PĐK-<province>-<commune>-<year>`' },
    productName: text,
    sectorCode: text,
    groupCode: text,
    setCode: text,
    kind: { type: 'string', enum: ['new_product', 'star_upgrade', 're_ranking'] },
    status: { type: 'string', enum: ['submitted', 'accepted', 'returned'] },
    communeCode: text,
    provinceCode: text,
    reviewReason: maybeText,
    reviewedBy: maybeText,
    submittedAt: instant,
    reviewedAt: maybeInstant,
    producer: object({
      name: text,
      kind: { type: 'string', enum: [...producerKinds], description: 'who may register, Decision 26/2026/QĐ-TTg Art. 2.3; `association` registers tourism products only' },
      phone: text,
      communeCode: text,
      personalId: { type: ['string', 'null'], description: "a household's (or farm's) representative's 12-digit personal ID, masked: `001*****2345`" },
      representativeGender: { type: ['string', 'null'], enum: ['male', 'female', null], description: 'Forms 02 and 03: Giới tính (Nam/nữ)' },
      representativeEthnicGroup: {
        oneOf: [object({ code: { type: 'string', description: 'code of Quyết định 121-TCTK/PPCĐ (1979), not 1019/QĐ-TCTK' }, name: maybeText }), { type: 'null' }],
        description: 'Forms 02 and 03: Dân tộc',
      },
      representativePermanentAddress: { ...maybeText, description: 'Forms 02 and 03: Địa chỉ thường trú' },
    }),
  }),
  IdeaDetail: {
    allOf: [ref('IdeaSummary'), object({ details: { ...anyJson, description: "the producer's answers, as recorded" }, businessPlan: { ...anyJson, description: 'null until one is given' } })],
  },
  Document: object({
    id,
    status: { type: 'string', enum: ['downloading', 'stored', 'refused', 'replaced'] },
    position: { type: 'integer', description: 'page order within the item' },
    mediaType: maybeText,
    printable: { type: ['boolean', 'null'], description: 'false for Word files, delivered beside the packet' },
    sizeBytes: { type: ['integer', 'null'] },
    sha256: { type: ['string', 'null'] },
    originalName: maybeText,
    refusedReason: maybeText,
    uploadedBy: { type: 'string', description: 'a Zalo user id, or `admin:<token name>`' },
    createdAt: instant,
  }),
  Dossier: object({
    id,
    ideaId: id,
    checklistId: text,
    status: { type: 'string', enum: ['collecting', 'submitted', 'checked', 'returned'] },
    version: { type: 'integer', minimum: 1 },
    checkedBy: maybeText,
    checkedAt: maybeInstant,
    complete: { type: 'boolean', description: 'every required producer item has a stored document, or a declaration that it is not required' },
    items: {
      type: 'array',
      description: 'checklist items in packet order',
      items: object({
        item: text,
        need: { type: 'string', enum: ['required', 'optional'] },
        by: { type: 'string', enum: ['producer', 'commune'] },
        documents: { type: 'array', description: 'current documents; replaced ones are left out', items: ref('Document') },
        returns: { type: 'array', description: 'open returns', items: object({ reason: text, returnedBy: text, returnedAt: instant }) },
        exemption: {
          description: "the producer's declaration that the law does not ask this paper of them, with the reason; accepted by checking the dossier, refused by returning the item",
          oneOf: [object({ reason: text, declaredAt: instant, acceptedAt: { type: ['string', 'null'], format: 'date-time' } }), { type: 'null' }],
        },
      }),
    },
    packets: { type: 'array', items: object({ version: { type: 'integer' }, sha256, pageCount: count, builtAt: instant }) },
    events: {
      type: 'array',
      description: 'the last 50, latest first',
      items: object({ version: { type: 'integer' }, actor: text, action: text, itemCode: maybeText, documentId: { type: ['string', 'null'] }, detail: anyJson, at: instant }),
    },
  }),
  Packet: object({
    id,
    version: { type: 'integer' },
    sha256,
    pageCount: count,
    sizeBytes: count,
    builtAt: instant,
    link,
    linkExpiresAt: instant,
    beside: { type: 'array', description: 'Word files named in the packet and delivered beside it', items: object({ item: text, fileName: text, sha256, link }) },
  }),
  Official: object({
    id,
    name: text,
    role: { type: 'string', enum: ['province', 'commune'] },
    provinceCode: text,
    communeCode: maybeText,
    linked: { type: 'boolean', description: 'the official has linked a Zalo account' },
    linkedAt: maybeInstant,
    invitationExpiresAt: maybeInstant,
    createdAt: instant,
    deactivatedAt: { ...maybeInstant, description: 'set by the province: the official can no longer sign in to the console' },
  }),
  InvitedOfficial: object({ id, name: text, role: { type: 'string', enum: ['province', 'commune'] }, provinceCode: text, communeCode: maybeText, invitationCode, expiresAt: instant }),
  CouncilPerson: object(
    {
      personId: id,
      name: text,
      role: { type: 'string', enum: ['chair', 'member', 'helper', 'secretary'] },
      linked: { type: 'boolean' },
      invitationCode,
      invitationExpiresAt: instant,
    },
    ['invitationCode', 'invitationExpiresAt'],
  ),
  Council: object({
    id,
    name: text,
    level: { type: 'string', enum: ['district', 'province', 'central'] },
    year: { type: 'integer' },
    members: { type: 'array', items: ref('CouncilPerson') },
  }),
  Meeting: object(
    {
      id,
      councilId: id,
      date: { type: 'string', format: 'date', description: 'the civil date in Vietnam' },
      time: { type: 'string', pattern: '^\\d{2}:\\d{2}$', description: 'hh:mm in Vietnam' },
      place: text,
      status: { type: 'string', enum: ['scheduled', 'locked', 'cancelled'] },
      leadWorkingDays: count,
      deliveryDeadline: { ...instant, description: 'every member must have the dossiers by then: before office hours, leadWorkingDays working days ahead' },
      products: { type: 'array', items: id, description: 'the ideas evaluated' },
    },
    ['products'],
  ),
  EvaluationResult: object({
    productIdeaId: id,
    productName: text,
    receiptNumber: text,
    ruleSet: { type: 'string', description: 'the rule set the product is evaluated under (rules/rule-sets.yaml)' },
    revision: { type: 'integer', minimum: 1, description: '1 as first recorded, one more per correction' },
    correctionReason: { type: ['string', 'null'], description: 'why it was corrected' },
    average: { type: 'string', pattern: '^\\d{1,3}\\.\\d{2}$', description: "the members' average, cut (never rounded) to two decimals" },
    stars: { type: 'integer', minimum: 1, maximum: 5, description: "from the rule set's bands on the exact sum of the scores" },
    certifyingLevel: { type: ['string', 'null'], enum: ['district', 'province', 'central', null], description: 'the level that certifies these stars; null when they earn no certificate' },
    present: { type: 'array', items: id, description: 'the chair and members present' },
    scores: { type: 'array', items: object({ personId: id, score: { type: 'number' }, parts: object({ a: { type: 'number' }, b: { type: 'number' }, c: { type: 'number' } }) }, ['parts']) },
    recordedBy: text,
    recordedAt: instant,
  }),
  Delivery: object({
    person: text,
    role: text,
    product: { type: ['string', 'null'], description: 'null for the meeting details' },
    packetVersion: { type: ['integer', 'null'] },
    packetSha256: { type: ['string', 'null'] },
    channel: { type: 'string', enum: ['cs', 'template', 'zns', 'none'] },
    status: { type: 'string', enum: ['queued', 'sent', 'received', 'seen', 'acknowledged', 'unreachable', 'superseded', 'failed'] },
    sentAt: maybeInstant,
    receivedAt: maybeInstant,
    seenAt: maybeInstant,
    acknowledgedAt: maybeInstant,
  }),
  Notification: object({
    id,
    key: { type: 'string', description: '`kind:subject:occasion[:recipient]`, unique' },
    kind: text,
    recipientKind: { type: 'string', enum: ['producer', 'official', 'council_person', 'certified_producer'] },
    recipientId: { ...id, description: "the id in the recipient kind's own table (a certified product for `certified_producer`)" },
    provinceCode: text,
    communeCode: maybeText,
    productIdeaId: maybeId,
    meetingId: maybeId,
    certifiedProductId: maybeId,
    campaignDeadlineId: maybeId,
    parentKey: { type: ['string', 'null'], description: 'for an escalation or an unreachable notice: the key of the notification it is about' },
    level: { type: 'integer', description: "0: the person concerned; 1: the commune's officials; 2: the province unit" },
    deadline: { ...maybeInstant, description: "the task's own deadline" },
    dueAt: instant,
    sendAt: { ...instant, description: 'when it goes: dueAt moved out of quiet hours, or where a snooze moved it' },
    routine: { type: 'boolean', description: 'routine nudges wait for a working day; time-bound ones only leave the quiet hours' },
    vars: { ...anyJson, description: 'what its text needs' },
    state: { type: 'string', enum: ['planned', 'sent', 'done', 'cancelled', 'unreachable'] },
    channel: { type: ['string', 'null'], description: '`cs`, `template` or `zns` once sent' },
    outboundIds: { type: 'array', items: id, description: 'its outbox messages' },
    snoozeCount: count,
    createdAt: instant,
    sentAt: maybeInstant,
    closedAt: maybeInstant,
  }),
  NotificationHistory: {
    allOf: [
      ref('Notification'),
      object({
        events: { type: 'array', description: 'in order', items: object({ action: text, actor: { type: 'string', description: '`system`, a Zalo user id, or `admin:<token name>`' }, detail: anyJson, at: instant }) },
        messages: {
          type: 'array',
          description: 'its outbox messages and how far each got',
          items: object({
            id,
            channel: { type: 'string', enum: ['cs', 'template', 'zns'] },
            status: { type: 'string', enum: ['pending', 'sending', 'sent', 'failed'] },
            sentAt: maybeInstant,
            receivedAt: { ...maybeInstant, description: "Zalo's delivery receipt" },
            seenAt: maybeInstant,
            failedAt: maybeInstant,
            lastError: maybeText,
          }),
        },
        timeline: {
          type: 'array',
          description: 'events and receipts in time order, e.g. planned → sent → delivered → seen → done',
          items: object({
            at: instant,
            step: { type: 'string', description: 'an event action, or `delivered`, `seen`, `failed` from a message' },
            actor: { type: ['string', 'null'], description: 'null for a receipt' },
            messageId: { ...maybeId, description: 'the message a receipt is of' },
          }),
        },
      }),
    ],
  },
  CampaignDeadline: object({
    id,
    provinceCode: text,
    communeCode: { type: ['string', 'null'], description: 'null: every commune of the province' },
    title: text,
    dueDate: { type: 'string', format: 'date', description: 'the civil date in Vietnam' },
    audience: { type: 'array', items: { type: 'string', enum: ['province', 'commune', 'secretary'] } },
    remindWorkingDaysBefore: { type: 'array', items: count, description: 'earliest first' },
    createdBy: text,
    createdAt: instant,
    cancelledAt: maybeInstant,
  }),
  CertifiedProduct: object({
    id,
    provinceCode: text,
    communeCode: text,
    productName: text,
    producerName: text,
    producerPhone: { type: ['string', 'null'], description: '84…' },
    producerId: { ...maybeId, description: "the producer's profile in the bot, when exactly one has this phone" },
    stars: { type: 'integer', minimum: 3, maximum: 5 },
    certificateNumber: maybeText,
    certifiedOn: { type: 'string', format: 'date' },
    expiresOn: { type: 'string', format: 'date' },
    ruleSet: text,
    importedBy: text,
    createdAt: instant,
    updatedAt: instant,
  }),
  RowErrors: object({
    error: { type: 'string', const: 'unprocessable' },
    message: text,
    issues: {
      type: 'array',
      description: 'every problem of every row, in line order',
      items: object({
        path: { type: 'string', description: '`line <n>` for CSV, `body.rows.<index>` for JSON' },
        message: text,
        line: { type: 'integer', minimum: 1, description: "the CSV line (the heading line is 1), or the JSON row's position from 1" },
      }),
    },
  }),
};

const unauthorized = { $ref: '#/components/responses/Unauthorized' };
const provinceOnly = { $ref: '#/components/responses/ProvinceOnly' };
const tooLarge = failure('the JSON body is over 64 kB');

const noIdea = failure("no such idea in the token's region");
const notSubmitted = failure('the idea is no longer `submitted`');
const noDossier = failure("no such idea in the token's region, or it has no dossier yet");
const noChecklists = failure('this process has no dossier checklists');
const badId = failure('the id is not a positive integer (`issues`)');

const noNotification = failure("no such notification in the token's region");
const secretaryRefused = failure('a council secretary token');
const noDeadline = failure("no such campaign deadline in the token's region");

const noMeeting = failure("no such meeting in the token's province");
const noCalendar = failure('this process has no working calendar to schedule meetings by');
const tooSoon = failure('the date leaves the members too few working days with the dossiers: the message names the earliest lawful date');

function councilPath(description: string): Parameter[] {
  return describeParameters(idParam, 'path', { id: description });
}

function describePaths(): OpenApiDocument['paths'] {
  const ideaPath = describeParameters(ideaParams, 'path', { id: 'the idea' });
  const notificationPath = describeParameters(idParams, 'path', { id: 'the notification' });
  return {
    '/admin/v1/ideas': {
      get: {
        operationId: 'listIdeas',
        tags: ['ideas'],
        summary: "Product ideas in the token's region, newest first",
        parameters: describeParameters(listIdeasQuery, 'query', {
          status: 'only ideas in this status',
          communeCode: "only this commune's ideas",
          limit: 'ideas per page',
          cursor: 'the `nextCursor` of the previous page',
        }),
        responses: {
          '200': answer('one page', object({ ideas: { type: 'array', items: ref('IdeaSummary') }, nextCursor: { type: ['string', 'null'], description: 'null on the last page' } })),
          '400': failure('an invalid query (`issues`)'),
          '401': unauthorized,
        },
      },
    },
    '/admin/v1/ideas/{id}': {
      get: {
        operationId: 'getIdea',
        tags: ['ideas'],
        summary: 'One idea with its details and business plan',
        parameters: ideaPath,
        responses: { '200': answer('the idea', ref('IdeaDetail')), '400': badId, '401': unauthorized, '404': noIdea },
      },
    },
    '/admin/v1/ideas/{id}/accept': {
      post: {
        operationId: 'acceptIdea',
        tags: ['ideas'],
        summary: 'Accept a submitted idea',
        description: 'The producer is told in their language.',
        parameters: ideaPath,
        responses: { '200': answer('the accepted idea', ref('IdeaDetail')), '400': badId, '401': unauthorized, '404': noIdea, '409': notSubmitted },
      },
    },
    '/admin/v1/ideas/{id}/return': {
      post: {
        operationId: 'returnIdea',
        tags: ['ideas'],
        summary: 'Send a submitted idea back with a reason',
        description: 'The producer gets the reason and a button to revise the idea.',
        parameters: ideaPath,
        requestBody: jsonBody(returnBody),
        responses: { '200': answer('the returned idea', ref('IdeaDetail')), '400': failure('an invalid id or body (`issues`)'), '401': unauthorized, '404': noIdea, '409': notSubmitted, '413': tooLarge },
      },
    },
    '/admin/v1/ideas/{id}/dossier': {
      get: {
        operationId: 'getDossier',
        tags: ['dossiers'],
        summary: "The idea's dossier: checklist items, documents, open returns, packets and events",
        parameters: ideaPath,
        responses: { '200': answer('the dossier', ref('Dossier')), '400': badId, '401': unauthorized, '404': noDossier, '503': noChecklists },
      },
    },
    '/admin/v1/ideas/{id}/dossier/check': {
      post: {
        operationId: 'checkDossier',
        tags: ['dossiers'],
        summary: 'Mark the dossier checked',
        description: 'The producer is told.',
        parameters: ideaPath,
        responses: {
          '200': answer('the checked dossier', ref('Dossier')),
          '400': badId,
          '401': unauthorized,
          '404': noDossier,
          '409': failure('already checked, or a required item (Form 03 included) has no stored document or a returned item was not sent again: the message names them'),
          '503': noChecklists,
        },
      },
    },
    '/admin/v1/ideas/{id}/dossier/return': {
      post: {
        operationId: 'returnDossierItems',
        tags: ['dossiers'],
        summary: "Send some of the producer's items back, each with its reason",
        description: 'One message to the producer lists them, with a button to send them again.',
        parameters: ideaPath,
        requestBody: jsonBody(returnItemsBody, 'items the producer sends for this dossier, each listed once'),
        responses: {
          '200': answer('the dossier, now returned', ref('Dossier')),
          '400': failure("an invalid id or body, an item listed twice, or an item that is not the producer's in this dossier (`issues`)"),
          '401': unauthorized,
          '404': noDossier,
          '413': tooLarge,
          '503': noChecklists,
        },
      },
    },
    '/admin/v1/ideas/{id}/dossier/packet': {
      post: {
        operationId: 'buildPacket',
        tags: ['dossiers'],
        summary: "The packet of the dossier's current version, with a link signed for this token",
        description: 'Built once per version and kept, so asking again returns the same packet.',
        parameters: ideaPath,
        responses: {
          '201': answer('the packet', ref('Packet')),
          '400': badId,
          '401': unauthorized,
          '404': failure("no such idea in the token's region, or no document is stored yet"),
          '409': failure('the dossier changed while its packet was built; ask again'),
          '503': failure('this process builds no packets'),
        },
      },
    },
    '/admin/v1/ideas/{id}/dossier/form03': communeUpload(ideaPath, 'uploadForm03', "The commune's Form 03, as the bare file", 'An earlier Form 03 is kept as `replaced`.'),
    '/admin/v1/ideas/{id}/dossier/proposal': communeUpload(
      ideaPath,
      'uploadCommuneProposal',
      "The commune's letter asking the province to evaluate (Decision 26/2026, Art. 6.2a), as the bare file",
      'An earlier letter is kept as `replaced`.',
    ),
    '/admin/v1/officials': {
      post: {
        operationId: 'inviteOfficial',
        tags: ['officials'],
        summary: 'Invite an official of the region',
        description: 'A commune token invites officials of its own commune only. The official sends the code to the OA from their own Zalo account; it is valid OFFICIAL_INVITATION_TTL_HOURS.',
        requestBody: jsonBody(inviteBody, '`communeCode` is required for a commune official'),
        responses: {
          '201': answer('the official, with a one-time invitation code', ref('InvitedOfficial')),
          '400': failure("an invalid body (`issues`), a commune outside the token's region, or a role and commune that do not match the administrative units"),
          '401': unauthorized,
          '413': tooLarge,
        },
      },
      get: {
        operationId: 'listOfficials',
        tags: ['officials'],
        summary: "The region's officials, and whether each has linked a Zalo account",
        responses: { '200': answer('the officials', object({ officials: { type: 'array', items: ref('Official') } })), '401': unauthorized },
      },
    },
    '/admin/v1/officials/{id}/deactivate': {
      post: {
        operationId: 'deactivateOfficial',
        tags: ['officials'],
        summary: "End an official's access: no more console sign-in, open sessions end at once",
        parameters: describeParameters(idParams, 'path', { id: 'the official' }),
        responses: {
          '200': answer('the official, with `deactivatedAt`', object({ id, name: text, deactivatedAt: instant })),
          '400': badId,
          '401': unauthorized,
          '403': provinceOnly,
          '404': failure("no such official in the token's province"),
        },
      },
    },
    '/admin/v1/councils': {
      post: {
        operationId: 'createCouncil',
        tags: ['councils'],
        summary: 'Create an evaluation council of the province',
        description:
          'Exactly one chair and at least one secretary. A member is a new person (`name`, `phone`?) or one already known in the province (`personId`); a person may sit on several councils, but appears once in each.',
        requestBody: jsonBody(createCouncilBody),
        responses: {
          '201': answer('the council; each new person has a one-time invitation code', { allOf: [ref('Council'), object({ provinceCode: text })] }),
          '400': failure('an invalid body (`issues`), a `personId` unknown in the province, or a person listed twice'),
          '401': unauthorized,
          '403': provinceOnly,
          '413': tooLarge,
        },
      },
      get: {
        operationId: 'listCouncils',
        tags: ['councils'],
        summary: "The province's councils, newest first, each member with `linked`",
        responses: { '200': answer('the councils', object({ councils: { type: 'array', items: ref('Council') } })), '401': unauthorized, '403': provinceOnly },
      },
    },
    '/admin/v1/councils/{id}/meetings': {
      post: {
        operationId: 'scheduleMeeting',
        tags: ['meetings'],
        summary: 'Schedule a meeting of the council',
        description:
          'Only ideas whose dossier the commune checked. The answer states the delivery deadline, per rules/calendar.yaml and rules/provinces.yaml.',
        parameters: councilPath('the council'),
        requestBody: jsonBody(meetingBody, '`products` are idea ids'),
        responses: {
          '201': answer('the meeting, with its products', ref('Meeting')),
          '400': failure('an invalid id or body (`issues`), or an idea without a checked dossier in the province'),
          '401': unauthorized,
          '403': provinceOnly,
          '404': failure("no such council in the token's province"),
          '409': tooSoon,
          '413': tooLarge,
          '503': noCalendar,
        },
      },
    },
    '/admin/v1/meetings/{id}': {
      patch: {
        operationId: 'moveMeeting',
        tags: ['meetings'],
        summary: 'Move a meeting or change its products',
        description: 'At least one field. The delivery deadline is computed again.',
        parameters: councilPath('the meeting'),
        requestBody: jsonBody(moveBody),
        responses: {
          '200': answer('the meeting', ref('Meeting')),
          '400': failure('an invalid id or body (`issues`), nothing to change, or an idea without a checked dossier in the province'),
          '401': unauthorized,
          '403': provinceOnly,
          '404': failure("no such meeting in the token's province, or it is cancelled"),
          '409': tooSoon,
          '413': tooLarge,
          '503': noCalendar,
        },
      },
    },
    '/admin/v1/meetings/{id}/cancel': {
      post: {
        operationId: 'cancelMeeting',
        tags: ['meetings'],
        summary: 'Cancel a meeting',
        description: 'Every member linked to Zalo is told in their language.',
        parameters: councilPath('the meeting'),
        responses: {
          '200': answer('cancelled', object({ id, status: { type: 'string', const: 'cancelled' }, told: { ...count, description: 'messages queued' } })),
          '400': badId,
          '401': unauthorized,
          '403': provinceOnly,
          '404': failure("no such meeting in the token's province, or it is already cancelled"),
        },
      },
    },
    '/admin/v1/meetings/{id}/lock': {
      post: {
        operationId: 'lockMeeting',
        tags: ['meetings'],
        summary: 'Make the product list final and send the dossiers to the council',
        description:
          "Every council person linked to Zalo receives the meeting details, then each product's packet link; the secretary is told at once who cannot be reached. Run again, it sends only what changed.",
        parameters: councilPath('the meeting'),
        responses: {
          '200': answer('locked', object({ id, status: { type: 'string', const: 'locked' }, messages: { ...count, description: 'messages queued' } })),
          '400': badId,
          '401': unauthorized,
          '403': provinceOnly,
          '404': failure("no such meeting in the token's province, or it is cancelled"),
          '503': failure('this process distributes no dossiers'),
        },
      },
    },
    '/admin/v1/meetings/{id}/deliveries': {
      get: {
        operationId: 'listMeetingDeliveries',
        tags: ['meetings'],
        summary: 'Proof of delivery, per person and product',
        description: "The packet version and SHA-256 sent, and when it was sent, received and seen (Zalo's receipts) and acknowledged.",
        parameters: councilPath('the meeting'),
        responses: {
          '200': answer('the deliveries', object({ meeting: ref('Meeting'), deliveries: { type: 'array', items: ref('Delivery') } })),
          '400': badId,
          '401': unauthorized,
          '403': provinceOnly,
          '404': noMeeting,
        },
      },
    },
    '/admin/v1/meetings/{id}/deliveries.pdf': {
      get: {
        operationId: 'getMeetingDeliveriesPdf',
        tags: ['meetings'],
        summary: 'The same proof of delivery as a PDF, in Vietnamese, for the meeting minutes',
        parameters: councilPath('the meeting'),
        responses: {
          '200': { description: 'the report, as an attachment', content: { 'application/pdf': {} } },
          '400': badId,
          '401': unauthorized,
          '403': provinceOnly,
          '404': noMeeting,
        },
      },
    },
    '/admin/v1/meetings/{id}/results': {
      post: {
        operationId: 'recordMeetingResults',
        tags: ['meetings'],
        summary: "Record the council's scores after the meeting: every product once, all or none",
        description:
          'On or after the meeting day. The chair and members present must make the quorum of rules/provinces.yaml (default 3/4 with the chair); each of them scores each product out of 100 (parts A ≤ 40, B ≤ 25, C ≤ 35 when given; at most two decimals); scores of one product may not spread wider than `scoreSpread` (default 10). Each producer is then told their result in their language. A product has one current result: to change it, send the same body with `correction: { reason }`; the result it replaces is kept (superseded) and the producer is told the corrected one with the reason.',
        parameters: councilPath('the meeting'),
        requestBody: jsonBody(resultsBody, '`present`: council person ids; `productIdeaId`: idea ids of the meeting'),
        responses: {
          '201': answer('the results recorded', object({ meetingId: id, results: { type: 'array', items: ref('EvaluationResult') } })),
          '400': failure('an invalid id or body, a person present who is not the chair or a member, a member present who did not score, a product not on the meeting, parts that do not add up, a correction of a product without a result (`issues`)'),
          '401': unauthorized,
          '403': provinceOnly,
          '404': failure("no such meeting in the token's province, or it is cancelled"),
          '409': failure('the meeting has not taken place yet, no quorum, scores spread too wide (`issues` name the products to score again), or results already recorded (send a correction)'),
          '413': tooLarge,
          '503': failure('this process records no results'),
        },
      },
      get: {
        operationId: 'listMeetingResults',
        tags: ['meetings'],
        summary: "The meeting's current results (corrected ones stay in each dossier's history)",
        parameters: councilPath('the meeting'),
        responses: {
          '200': answer('the results', object({ meetingId: id, results: { type: 'array', items: ref('EvaluationResult') } })),
          '400': badId,
          '401': unauthorized,
          '403': provinceOnly,
          '404': noMeeting,
        },
      },
    },
    '/admin/v1/council-people/{id}/invitation': {
      post: {
        operationId: 'reinviteCouncilPerson',
        tags: ['councils'],
        summary: 'A new invitation code for someone who lost theirs',
        description: 'The old code stops working.',
        parameters: councilPath('the council person'),
        responses: {
          '201': answer('the new code', object({ personId: id, invitationCode, invitationExpiresAt: instant })),
          '400': badId,
          '401': unauthorized,
          '403': provinceOnly,
          '404': failure("no such person in the token's province"),
        },
      },
    },
    '/admin/v1/notifications': {
      get: {
        operationId: 'listNotifications',
        tags: ['notifications'],
        summary: "Reminders and notices of the token's region, in id order",
        description: 'A province or secretary token sees its province, a commune token its commune.',
        parameters: describeParameters(listNotificationsQuery, 'query', {
          state: 'only notifications in this state',
          kind: 'only this kind',
          recipientKind: 'only for recipients of this kind',
          recipientId: 'only for this recipient (needs `recipientKind`)',
          productIdeaId: 'only about this idea',
          meetingId: 'only about this meeting',
          limit: 'notifications per page',
          after: 'the `nextAfter` of the previous page',
        }),
        responses: {
          '200': answer('one page', object({ notifications: { type: 'array', items: ref('Notification') }, nextAfter: { type: ['string', 'null'], description: 'null on the last page' } })),
          '400': failure('an invalid query (`issues`)'),
          '401': unauthorized,
        },
      },
    },
    '/admin/v1/notifications/{id}': {
      get: {
        operationId: 'getNotification',
        tags: ['notifications'],
        summary: 'One notification with its history',
        description: 'Its events, its outbox messages with their receipts, and both merged into a timeline: planned → sent → delivered → seen → done.',
        parameters: notificationPath,
        responses: { '200': answer('the notification', ref('NotificationHistory')), '400': badId, '401': unauthorized, '404': noNotification },
      },
    },
    '/admin/v1/notifications/{id}/cancel': {
      post: {
        operationId: 'cancelNotification',
        tags: ['notifications'],
        summary: 'Cancel a planned or sent notification',
        description: 'Nothing more is sent for it; the event records the token.',
        parameters: notificationPath,
        responses: {
          '200': answer('the cancelled notification', ref('Notification')),
          '400': badId,
          '401': unauthorized,
          '403': secretaryRefused,
          '404': noNotification,
          '409': failure('the notification is already done, cancelled or unreachable'),
        },
      },
    },
    '/admin/v1/notifications/{id}/snooze': {
      post: {
        operationId: 'snoozeNotification',
        tags: ['notifications'],
        summary: 'Send a planned or sent notification again later',
        description:
          'It is planned again for `until`, moved out of the quiet hours (NOTIFY_QUIET_HOURS) and, for a routine nudge, to the routine hour of a working day: `sendAt` in the answer says when it goes.',
        parameters: notificationPath,
        requestBody: jsonBody(snoozeBody, 'an instant with its offset, e.g. `2026-03-05T09:00:00+07:00`'),
        responses: {
          '200': answer('the snoozed notification', ref('Notification')),
          '400': failure('an invalid id or body, or `until` not in the future (`issues`)'),
          '401': unauthorized,
          '403': secretaryRefused,
          '404': noNotification,
          '409': failure('the notification is already done, cancelled or unreachable'),
          '413': tooLarge,
        },
      },
    },
    '/admin/v1/campaign-deadlines': {
      post: {
        operationId: 'createCampaignDeadline',
        tags: ['campaign deadlines'],
        summary: 'Set a deadline for the officials of the region',
        description:
          'The officials of the `audience` roles are reminded `remindWorkingDaysBefore` working days before `dueDate` (default 5 and 1). Without `communeCode` a province token sets it for every commune; a commune token always sets it for its own commune.',
        requestBody: jsonBody(campaignDeadlineBody),
        responses: {
          '201': answer('the deadline', ref('CampaignDeadline')),
          '400': failure("an invalid body, a due date before today (Vietnam), or a commune outside the token's region (`issues`)"),
          '401': unauthorized,
          '403': secretaryRefused,
          '413': tooLarge,
        },
      },
      get: {
        operationId: 'listCampaignDeadlines',
        tags: ['campaign deadlines'],
        summary: "The region's deadlines, latest set first, cancelled ones included",
        description: "A commune token sees its commune's deadlines and the province's that concern every commune.",
        responses: { '200': answer('the deadlines', object({ campaignDeadlines: { type: 'array', items: ref('CampaignDeadline') } })), '401': unauthorized },
      },
    },
    '/admin/v1/campaign-deadlines/{id}/cancel': {
      post: {
        operationId: 'cancelCampaignDeadline',
        tags: ['campaign deadlines'],
        summary: 'Cancel a deadline and its reminders not sent yet',
        parameters: describeParameters(idParams, 'path', { id: 'the campaign deadline' }),
        responses: {
          '200': answer('the cancelled deadline', { allOf: [ref('CampaignDeadline'), object({ cancelledNotifications: { ...count, description: 'planned reminders cancelled' } })] }),
          '400': badId,
          '401': unauthorized,
          '403': failure('a council secretary token, or a commune token and a deadline of the whole province'),
          '404': noDeadline,
          '409': failure('already cancelled'),
        },
      },
    },
    '/admin/v1/certified-products': {
      post: {
        operationId: 'importCertifiedProducts',
        tags: ['certified products'],
        summary: "Import the province's certified products",
        description:
          'All or nothing: one invalid row and nothing is imported. Rows are matched on product, producer and certification date; a match is updated when something differs. Dates are dd/mm/yyyy or yyyy-mm-dd; without an expiry date a certificate lasts the months of its rule set, and without a rule set the one in force on the certification date applies. A phone is linked to the producer whose profile has it. CSV headings may be English (product, producer, phone, commune_code, stars, certificate_number, certified_on, expires_on, rule_set) or Vietnamese (Tên sản phẩm, Chủ thể, Số điện thoại, Mã xã, Số sao, Số giấy chứng nhận, Ngày chứng nhận, Ngày hết hạn, Bộ tiêu chí), in any case, with or without diacritics.',
        requestBody: {
          required: true,
          description: 'at most 4 MB',
          content: {
            'application/json': { schema: describeInput(certifiedProductsBody) },
            'text/csv': { schema: { type: 'string', description: 'UTF-8, with or without a BOM; separated by commas, semicolons or tabs' } },
          },
        },
        responses: {
          '200': answer('what changed', object({ created: count, updated: count, unchanged: count })),
          '400': failure('an invalid JSON body (`issues`), or an empty CSV body'),
          '401': unauthorized,
          '403': failure('a commune or council secretary token: certified products are imported by the province OCOP unit'),
          '413': failure('the body is over 4 MB'),
          '415': failure('another Content-Type than application/json or text/csv'),
          '422': answer('rows with problems; nothing was imported', ref('RowErrors')),
          '503': failure('this process has no rule sets to import by'),
        },
      },
      get: {
        operationId: 'listCertifiedProducts',
        tags: ['certified products'],
        summary: "Certified products of the token's region, in id order",
        parameters: describeParameters(listCertifiedProductsQuery, 'query', {
          communeCode: "only this commune's products",
          expiringBefore: 'only certificates that expire before this date',
          limit: 'products per page',
          after: 'the `nextAfter` of the previous page',
        }),
        responses: {
          '200': answer('one page', object({ certifiedProducts: { type: 'array', items: ref('CertifiedProduct') }, nextAfter: { type: ['string', 'null'], description: 'null on the last page' } })),
          '400': failure('an invalid query (`issues`)'),
          '401': unauthorized,
        },
      },
    },
    '/admin/v1/openapi.json': {
      get: {
        operationId: 'getOpenApi',
        tags: ['description'],
        summary: 'This description',
        description: 'It needs a token like every route under /admin/v1: the API is for officials, and so is its map.',
        responses: { '200': answer('the OpenAPI 3.1 document', { type: 'object' }), '401': unauthorized },
      },
    },
    '/packets/{token}': {
      get: linkOperation('getPacket', 'The packet a signed link names', { 'application/pdf': {} }, 'this packet no longer exists'),
    },
    '/documents/{token}': {
      get: linkOperation('getDocument', 'A Word file delivered beside a packet, as its signed link names', { '*/*': {} }, 'this document is not stored'),
    },
  };
}

function linkOperation(operationId: string, summary: string, content: Record<string, MediaType>, gone: string): Operation {
  return {
    operationId,
    tags: ['links'],
    summary,
    description:
      'No admin token is needed; presented with one, the link must have been issued to that token. Every use, served or refused, is recorded in `packet_access`.',
    security: [{}, { apiToken: [] }],
    parameters: [{ name: 'token', in: 'path', required: true, description: 'the signed link: payload and HMAC, both base64url', schema: { type: 'string', pattern: '^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$' } }],
    responses: {
      '200': {
        description: 'the file, with its SHA-256',
        headers: {
          'X-Content-SHA256': { description: "the file's SHA-256, hex", schema: sha256 },
          'Content-Disposition': { description: "a generated file name, never the sender's", schema: text },
        },
        content,
      },
      '401': failure('an Authorization header whose token is not valid'),
      '403': failure("a changed, expired or someone else's link"),
      '404': failure(gone),
    },
  };
}

/** The OpenAPI 3.1 document served at GET /admin/v1/openapi.json. */
export function buildAdminOpenApi(): OpenApiDocument {
  return {
    openapi: '3.1.1',
    info: {
      title: 'OCOP officials API',
      version: 'v1',
      description:
        'The JSON API commune and province OCOP officials work through. Errors are `{ "error": "<code>", "message": "…" }`; a 400 for invalid input adds `issues: [{ path, message }]`. Anything outside a token\'s region answers 404.',
    },
    tags: [
      { name: 'ideas', description: 'product ideas and their review' },
      { name: 'dossiers', description: "a product's documents, their check, and its packet" },
      { name: 'officials', description: 'officials and their invitations' },
      { name: 'councils', description: 'evaluation councils (province tokens only)' },
      { name: 'meetings', description: 'council meetings and the delivery of dossiers (province tokens only)' },
      { name: 'notifications', description: 'reminders and notices, their history, cancelling and snoozing them' },
      { name: 'campaign deadlines', description: "deadlines officials set for their region's officials" },
      { name: 'certified products', description: 'products certified outside this system, imported for their expiry and re-ranking notices' },
      { name: 'links', description: 'signed links to packets and documents' },
      { name: 'description', description: 'this document' },
    ],
    security: [{ apiToken: [] }],
    paths: describePaths(),
    components: {
      securitySchemes: {
        apiToken: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'ocop_ and 43 base64url characters',
          description:
            '`Authorization: Bearer ocop_…`, a token made with `npm run admin:token`. A province token sees its whole province; a commune token sees its commune only. Councils, meetings and council people are managed by the province: a commune token gets 403 there. A council-secretary token (its province) schedules, moves, cancels and locks meetings, records their results, reads deliveries, ideas, dossiers, notifications, campaign deadlines and certified products, and builds packets; anything else answers 403.',
        },
      },
      schemas,
      responses: {
        Unauthorized: {
          ...failure('no token, or one that is unknown or revoked'),
          headers: { 'WWW-Authenticate': { description: 'always `Bearer`', schema: { type: 'string', const: 'Bearer' } } },
        },
        ProvinceOnly: failure('a commune token: councils and meetings are managed by the province OCOP unit'),
      },
    },
  };
}
