// Every chat command tocsin knows. A command is one module; adding one means adding it here.
import type { CommandSpec } from "../src/router/command.ts";
import { type CommandVocabulary, commandVocabulary } from "../src/router/vocabulary.ts";
import alertAck from "./alert/ack.ts";
import alertDeclare from "./alert/declare.ts";
import alertLink from "./alert/link.ts";
import alertList from "./alert/list.ts";
import alertResolve from "./alert/resolve.ts";
import alertShow from "./alert/show.ts";
import alertSilence from "./alert/silence.ts";
import bulletinKey from "./bulletin/key.ts";
import bulletinPost from "./bulletin/post.ts";
import bulletinPreview from "./bulletin/preview.ts";
import bulletinPublish from "./bulletin/publish.ts";
import bulletinSchedules from "./bulletin/schedules.ts";
import bulletinSources from "./bulletin/sources.ts";
import bulletinStats from "./bulletin/stats.ts";
import bulletinVerify from "./bulletin/verify.ts";
import incAudit from "./inc/audit.ts";
import incClass from "./inc/class.ts";
import incClasses from "./inc/classes.ts";
import incClose from "./inc/close.ts";
import incDeadlines from "./inc/deadlines.ts";
import incDeclare from "./inc/declare.ts";
import incDone from "./inc/done.ts";
import incInvite from "./inc/invite.ts";
import incJoin from "./inc/join.ts";
import incLead from "./inc/lead.ts";
import incList from "./inc/list.ts";
import incMirror from "./inc/mirror.ts";
import incNote from "./inc/note.ts";
import incPage from "./inc/page.ts";
import incReopen from "./inc/reopen.ts";
import incReport from "./inc/report.ts";
import incRole from "./inc/role.ts";
import incSev from "./inc/sev.ts";
import incShow from "./inc/show.ts";
import incStatus from "./inc/status.ts";
import incTask from "./inc/task.ts";
import incTasks from "./inc/tasks.ts";
import incTimeline from "./inc/timeline.ts";
import incTitle from "./inc/title.ts";
import incTlp from "./inc/tlp.ts";
import incUpdate from "./inc/update.ts";
import oncallAck from "./oncall/ack.ts";
import oncallCover from "./oncall/cover.ts";
import oncallFeeds from "./oncall/feeds.ts";
import oncallOverride from "./oncall/override.ts";
import oncallPage from "./oncall/page.ts";
import oncallPages from "./oncall/pages.ts";
import oncallReload from "./oncall/reload.ts";
import oncallResolve from "./oncall/resolve.ts";
import oncallSchedule from "./oncall/schedule.ts";
import oncallTeams from "./oncall/teams.ts";
import oncallWho from "./oncall/who.ts";

export const COMMANDS: readonly CommandSpec[] = [
  incDeclare,
  incStatus,
  incSev,
  incClass,
  incTlp,
  incTitle,
  incRole,
  incLead,
  incInvite,
  incJoin,
  incNote,
  incUpdate,
  incTimeline,
  incTask,
  incTasks,
  incDone,
  incList,
  incShow,
  incClose,
  incReopen,
  incReport,
  incClasses,
  incAudit,
  incMirror,
  incPage,
  incDeadlines,
  oncallWho,
  oncallSchedule,
  oncallTeams,
  oncallPage,
  oncallAck,
  oncallResolve,
  oncallPages,
  oncallCover,
  oncallOverride,
  oncallFeeds,
  oncallReload,
  bulletinPreview,
  bulletinPublish,
  bulletinSchedules,
  bulletinSources,
  bulletinPost,
  bulletinStats,
  bulletinKey,
  bulletinVerify,
  alertList,
  alertShow,
  alertAck,
  alertResolve,
  alertSilence,
  alertDeclare,
  alertLink,
];

/** The words that start these commands (`/inc`, `!oncall`, `/ack`): what platforms listen for. */
export const VOCABULARY: CommandVocabulary = commandVocabulary(COMMANDS);
