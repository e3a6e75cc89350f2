/**
 * Sender checks for runtime messages, pure so they are unit-testable (the handler in messages.ts passes the
 * runtime id and base URL in).
 */
import { CS_MESSAGE_TYPES, UI_MESSAGE_TYPES, type Message } from '../core/messages';

export interface SenderLike {
  id?: string;
  url?: string;
  tab?: { id?: number; url?: string };
}

/** UI messages: only from the extension's own pages (popup, options), never from a content script. */
export function isUiSender(sender: SenderLike, runtimeId: string, baseUrl: string): boolean {
  return sender.id === runtimeId && typeof sender.url === 'string' && sender.url.startsWith(baseUrl);
}

/** CS messages: only from our own content scripts, running in a tab. */
export function isCsSender(sender: SenderLike, runtimeId: string): boolean {
  return sender.id === runtimeId && !!sender.tab && typeof sender.tab.id === 'number' && sender.tab.id >= 0;
}

const UI = new Set<string>(UI_MESSAGE_TYPES);
const CS = new Set<string>(CS_MESSAGE_TYPES);

/** Returns the message when the type is known and the sender is allowed to send it; otherwise null. */
export function acceptMessage(msg: unknown, sender: SenderLike, runtimeId: string, baseUrl: string): Message | null {
  if (!msg || typeof msg !== 'object' || typeof (msg as { type?: unknown }).type !== 'string') return null;
  const type = (msg as { type: string }).type;
  if (UI.has(type)) return isUiSender(sender, runtimeId, baseUrl) ? (msg as Message) : null;
  if (CS.has(type)) return isCsSender(sender, runtimeId) ? (msg as Message) : null;
  return null;
}
