// Help and errors in the syntax the caller used (`!inc` on Matrix, `/inc` elsewhere).
import type { Reply } from "../chat/invocation.ts";
import type { CommandVocabulary } from "./vocabulary.ts";

/**
 * Help and errors show commands the way the caller types them: Matrix clients keep `/` for
 * themselves, so someone who typed `!inc` reads `!inc status` in the hints. Only the bot's own
 * texts go through this, never notes or other content people wrote.
 */
export function inCallersSyntax(reply: Reply, typed: string, vocabulary: CommandVocabulary): Reply {
  if (!typed.trimStart().startsWith("!")) return reply;
  const swap = (value: string) => vocabulary.inBangSyntax(value);
  const blocks = reply.message.blocks.map((block) => {
    switch (block.kind) {
      case "heading":
      case "text":
      case "context":
      case "code":
        return { ...block, text: swap(block.text) };
      case "fields":
        return {
          ...block,
          fields: block.fields.map((f) => ({ label: swap(f.label), value: swap(f.value) })),
        };
      default:
        return block;
    }
  });
  return { ...reply, message: { ...reply.message, blocks } };
}
