import { z } from 'zod';

// Neutral outgoing messages: what the bot wants said, before anyone thinks of Zalo.

export const buttonSchema = z.object({
  title: z.string().min(1).max(40),
  action: z.discriminatedUnion('kind', [
    // The payload comes back as the user's own text message.
    z.object({ kind: z.literal('reply'), payload: z.string().min(1).max(1000) }),
    // The payload comes back as a text message the chat does not show: a command with an id.
    z.object({ kind: z.literal('command'), payload: z.string().min(1).max(1000) }),
    z.object({ kind: z.literal('url'), url: z.url() }),
    z.object({ kind: z.literal('phone'), phone: z.string().min(3) }),
  ]),
});

export const outgoingMessageSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('text'), text: z.string().min(1), buttons: z.array(buttonSchema).max(5).optional() }),
  z.object({ kind: z.literal('image'), url: z.url(), caption: z.string().optional() }),
  z.object({ kind: z.literal('request_user_info'), title: z.string().min(1), subtitle: z.string(), imageUrl: z.url() }),
  // A stored PDF or Word file sent as a Zalo file (at most 5 MB): uploaded when it is sent.
  z.object({ kind: z.literal('file'), storageKey: z.string().min(1), fileName: z.string().regex(/^[\w.-]{1,100}$/), mediaType: z.string().min(1) }),
  z.object({ kind: z.literal('template'), templateId: z.string().min(1), templateData: z.record(z.string(), z.string()) }),
  z.object({ kind: z.literal('zns'), templateId: z.string().min(1), templateData: z.record(z.string(), z.string()) }),
]);

export type OutgoingButton = z.infer<typeof buttonSchema>;
export type OutgoingMessage = z.infer<typeof outgoingMessageSchema>;

export function outgoingChannel(message: OutgoingMessage): 'cs' | 'template' | 'zns' {
  if (message.kind === 'template') return 'template';
  if (message.kind === 'zns') return 'zns';
  return 'cs';
}
