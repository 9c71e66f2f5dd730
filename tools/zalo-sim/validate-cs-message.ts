import { z } from 'zod';
import type { SimButton } from './sim-types.js';

export const MAX_TEXT_LENGTH = 2000;
export const MAX_BUTTONS = 5;

export type CsContent =
  | { kind: 'text'; text: string; buttons: SimButton[] }
  | { kind: 'image'; text?: string; url?: string; attachmentId?: string }
  | { kind: 'file'; token: string }
  | { kind: 'request_user_info'; text?: string; title: string; subtitle: string; imageUrl?: string };

export type CsValidation =
  | { ok: true; userId: string; content: CsContent }
  | { ok: false; reason: string };

const httpUrl = z.string().regex(/^https?:\/\/\S+$/, 'must be an http(s) URL');
const title = z.string().min(1, 'button title is empty');

const buttonSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('oa.query.show'), title, payload: z.string().min(1) }),
  z.object({ type: z.literal('oa.query.hide'), title, payload: z.string().min(1) }),
  z.object({ type: z.literal('oa.open.url'), title, payload: z.object({ url: httpUrl }) }),
  z.object({ type: z.literal('oa.open.phone'), title, payload: z.object({ phone_code: z.string().min(1) }) }),
  z.object({
    type: z.literal('oa.open.sms'),
    title,
    payload: z.object({ content: z.string().min(1), phone_code: z.string().min(1) }),
  }),
]);

const envelopeSchema = z.object({
  recipient: z.object({ user_id: z.string().min(1) }),
  message: z.object({
    text: z.string().optional(),
    attachment: z.unknown().optional(),
  }),
});

const attachmentSchema = z.object({
  type: z.enum(['template', 'file']),
  payload: z.record(z.string(), z.unknown()),
});

const mediaElementSchema = z
  .object({
    media_type: z.literal('image'),
    url: httpUrl.optional(),
    attachment_id: z.string().min(1).optional(),
  })
  .refine((e) => (e.url === undefined) !== (e.attachment_id === undefined), 'an image element needs url or attachment_id, not both');

const requestInfoElementSchema = z.object({
  title: z.string().min(1),
  subtitle: z.string().min(1),
  image_url: httpUrl.optional(),
});

/** Length as Zalo counts it: code points after NFC normalization. */
export function zaloTextLength(text: string): number {
  return [...text.normalize('NFC')].length;
}

function describe(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');
}

/** Checks a POST /v3.0/oa/message/cs body the way Zalo does (-201 on any failure). */
export function validateCsMessage(body: unknown): CsValidation {
  const envelope = envelopeSchema.safeParse(body);
  if (!envelope.success) return { ok: false, reason: describe(envelope.error) };
  const { recipient, message } = envelope.data;
  const text = message.text;

  if (text !== undefined) {
    if (text.trim() === '') return { ok: false, reason: 'message.text is empty' };
    const length = zaloTextLength(text);
    if (length > MAX_TEXT_LENGTH) {
      return { ok: false, reason: `message.text has ${length} characters, more than ${MAX_TEXT_LENGTH}` };
    }
  }

  if (message.attachment === undefined) {
    if (text === undefined) return { ok: false, reason: 'message needs text or attachment' };
    return { ok: true, userId: recipient.user_id, content: { kind: 'text', text, buttons: [] } };
  }

  const attachment = attachmentSchema.safeParse(message.attachment);
  if (!attachment.success) return { ok: false, reason: describe(attachment.error) };
  const { type, payload } = attachment.data;

  if (type === 'file') {
    const token = z.object({ token: z.string().min(1) }).safeParse(payload);
    if (!token.success) return { ok: false, reason: 'file attachment needs payload.token from /v2.0/oa/upload/file' };
    return { ok: true, userId: recipient.user_id, content: { kind: 'file', token: token.data.token } };
  }

  const templateType = payload['template_type'];
  if (templateType === undefined) {
    if (text === undefined) return { ok: false, reason: 'buttons ride on a text message: message.text is missing' };
    const buttons = z.array(z.unknown()).safeParse(payload['buttons']);
    if (!buttons.success || buttons.data.length === 0) {
      return { ok: false, reason: 'template payload needs template_type or a non-empty buttons array' };
    }
    if (buttons.data.length > MAX_BUTTONS) {
      return { ok: false, reason: `${buttons.data.length} buttons, at most ${MAX_BUTTONS}` };
    }
    const parsed: SimButton[] = [];
    for (const [index, raw] of buttons.data.entries()) {
      const button = buttonSchema.safeParse(raw);
      if (!button.success) return { ok: false, reason: `buttons[${index}]: ${describe(button.error)}` };
      parsed.push(button.data);
    }
    return { ok: true, userId: recipient.user_id, content: { kind: 'text', text, buttons: parsed } };
  }

  const elements = z.array(z.unknown()).safeParse(payload['elements']);
  if (!elements.success || elements.data.length !== 1) {
    return { ok: false, reason: `template_type "${String(templateType)}" needs exactly one element` };
  }

  if (templateType === 'media') {
    const element = mediaElementSchema.safeParse(elements.data[0]);
    if (!element.success) return { ok: false, reason: `elements[0]: ${describe(element.error)}` };
    return {
      ok: true,
      userId: recipient.user_id,
      content: {
        kind: 'image',
        ...(text !== undefined ? { text } : {}),
        ...(element.data.url !== undefined ? { url: element.data.url } : {}),
        ...(element.data.attachment_id !== undefined ? { attachmentId: element.data.attachment_id } : {}),
      },
    };
  }

  if (templateType === 'request_user_info') {
    const element = requestInfoElementSchema.safeParse(elements.data[0]);
    if (!element.success) return { ok: false, reason: `elements[0]: ${describe(element.error)}` };
    return {
      ok: true,
      userId: recipient.user_id,
      content: {
        kind: 'request_user_info',
        ...(text !== undefined ? { text } : {}),
        title: element.data.title,
        subtitle: element.data.subtitle,
        ...(element.data.image_url !== undefined ? { imageUrl: element.data.image_url } : {}),
      },
    };
  }

  return { ok: false, reason: `template_type "${String(templateType)}" is not supported by the stand-in` };
}
