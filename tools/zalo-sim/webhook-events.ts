import type { SharedInfo, SimUser } from './sim-types.js';

/**
 * Webhook bodies exactly as Zalo shapes them (see shared docs, zalo-platform.md):
 * every id and the timestamp are strings; `sender.id` is the OA-scoped user id.
 */
export interface EventContext {
  appId: string;
  oaId: string;
  timestamp: string;
}

export type EventBody = Record<string, unknown>;

/** user_send_text, user_send_image, user_send_file, …: the user writes to the OA. */
export function buildUserMessageEvent(
  ctx: EventContext,
  user: SimUser,
  eventName: string,
  message: Record<string, unknown>,
): EventBody {
  return {
    app_id: ctx.appId,
    user_id_by_app: user.userIdByApp,
    event_name: eventName,
    timestamp: ctx.timestamp,
    sender: { id: user.id },
    recipient: { id: ctx.oaId },
    message,
  };
}

/** follow / unfollow: no sender and no msg_id; the user is `follower.id`. */
export function buildFollowEvent(
  ctx: EventContext,
  user: SimUser,
  eventName: 'follow' | 'unfollow',
  source: string,
): EventBody {
  return {
    oa_id: ctx.oaId,
    follower: { id: user.id },
    user_id_by_app: user.userIdByApp,
    event_name: eventName,
    source,
    app_id: ctx.appId,
    timestamp: ctx.timestamp,
  };
}

/** The answer to a request_user_info card. */
export function buildSubmitInfoEvent(ctx: EventContext, user: SimUser, info: SharedInfo): EventBody {
  return {
    app_id: ctx.appId,
    user_id_by_app: user.userIdByApp,
    event_name: 'user_submit_info',
    timestamp: ctx.timestamp,
    sender: { id: user.id },
    recipient: { id: ctx.oaId },
    info: {
      address: info.address ?? '',
      phone: info.phone ?? '',
      city: info.city ?? '',
      district: info.district ?? '',
      name: info.name ?? '',
      ...(info.ward !== undefined ? { ward: info.ward } : {}),
    },
  };
}

/** user_received_message / user_seen_message for OA messages: the OA is the sender of what was read. */
export function buildReceiptEvent(
  ctx: EventContext,
  user: SimUser,
  eventName: 'user_received_message' | 'user_seen_message',
  msgIds: string[],
): EventBody {
  return {
    app_id: ctx.appId,
    user_id_by_app: user.userIdByApp,
    event_name: eventName,
    timestamp: ctx.timestamp,
    sender: { id: ctx.oaId },
    recipient: { id: user.id },
    message: { msg_ids: msgIds },
  };
}

/** Delivery receipt of a ZNS message: carries the tracking_id the bot chose. */
export function buildZnsReceiptEvent(
  ctx: EventContext,
  recipientId: string,
  msgId: string,
  trackingId: string | undefined,
): EventBody {
  return {
    app_id: ctx.appId,
    event_name: 'user_received_message',
    timestamp: ctx.timestamp,
    sender: { id: ctx.oaId },
    recipient: { id: recipientId },
    message: {
      msg_id: msgId,
      delivery_time: ctx.timestamp,
      ...(trackingId !== undefined ? { tracking_id: trackingId } : {}),
    },
  };
}

/** oa_send_*: Zalo echoes what the OA sent (by API or by a human in OA Manager). */
export function buildEchoEvent(
  ctx: EventContext,
  user: SimUser,
  eventName: 'oa_send_text' | 'oa_send_image' | 'oa_send_file' | 'oa_send_list',
  message: Record<string, unknown>,
): EventBody {
  return {
    app_id: ctx.appId,
    user_id_by_app: user.userIdByApp,
    event_name: eventName,
    timestamp: ctx.timestamp,
    sender: { id: ctx.oaId },
    recipient: { id: user.id },
    message,
  };
}
