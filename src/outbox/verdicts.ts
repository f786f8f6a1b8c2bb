// What an audience gets of an outbound item: the decision of audience.ts turned into the message
// to send (whole, or rendered for the incidents it may see), or the reason and notice of none.
// Shared by the outbox and its room changes (room-changes.ts).
import type { Message } from "../chat/message.ts";
import type { SentDirectMessage } from "../chat/platform.ts";
import type { Decision, IncidentFacts, Subject } from "./audience.ts";

/**
 * Content about several incidents (a list, a page list, a summary of summaries) is rendered for
 * the audience: `render` gets the incidents it may show and the number withheld by TLP
 * (restricted ones are neither shown nor counted).
 */
export interface Rendered {
  render(visible: IncidentFacts[], withheld: number): Message;
}

export type Content = Message | Rendered;

export type Verdict =
  | { message: Message; reason?: undefined; notice?: undefined }
  | { message?: undefined; reason: string; notice?: string };

/** The message this audience may get, or why none. */
export function renderFor(decision: Decision, content: Content, subject: Subject): Verdict {
  if (decision.action === "send") {
    const all = subject.kind === "incidents" ? subject.incidents : [];
    return { message: isRendered(content) ? content.render(all, 0) : content };
  }
  if (decision.action === "filter") {
    if (isRendered(content)) return { message: content.render(decision.visible, decision.withheld) };
    return { reason: "content about several incidents that is not rendered per audience" };
  }
  return { reason: decision.reason, notice: decision.notice };
}

function isRendered(content: Content): content is Rendered {
  return typeof (content as Rendered).render === "function";
}

export function decisionReason(decision: Decision): string {
  return decision.action === "refuse" ? decision.reason : "some of its incidents may not be shown here";
}

export type Outcome =
  /** `dm`: where a direct message went, for a later edit (platforms that can edit one). */
  | { sent: true; messageId?: string; dm?: SentDirectMessage }
  | { sent: false; reason: string /** A notice took the item's place. */; noticed: boolean };

export type OutboundKind =
  | "reply"
  | "post"
  | "announcement"
  | "page"
  | "bulletin"
  | "summary"
  | "dm"
  | "file";
