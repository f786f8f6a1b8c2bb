// How configuration files name rooms on each platform, validated the same way everywhere
// (on-call team channels, bulletin destinations).
import { z } from "zod";

export const slackChannelIdSchema = z
  .string()
  .regex(/^[CG][A-Z0-9]+$/, 'a Slack channel id looks like "C024BE91L" (not the #name)');

export const matrixRoomSchema = z
  .string()
  .regex(/^[!#][^:\s]+:\S+$/, 'a Matrix room looks like "!abc123:example.org" or "#csirt:example.org"');
