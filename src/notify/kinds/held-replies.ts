import { type NotificationKind, done, open, varsOf } from './reading.js';

/** A person whose replies Zalo refused outside its window: write to the OA to receive them. */
export const heldRepliesKind = {
  routine: false,
  heading: 'notify.heldRepliesHeading',
  outsideWindow: true,
  async read(ctx, n) {
    const recipient = varsOf(n).recipient;
    // Gone already when the person wrote meanwhile or an official told them by phone.
    const waiting = recipient ? await ctx.tx.outboundMessage.count({ where: { recipient, status: 'held' } }) : 0;
    // No count: more replies may be held after this notice is written, and all go together.
    return waiting === 0 ? done : open(ctx.translate(ctx.locale, 'notify.heldReplies'));
  },
} satisfies NotificationKind;
