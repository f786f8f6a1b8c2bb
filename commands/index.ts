// Every chat command tocsin knows. A command is one module; adding one means adding it here.
import type { CommandSpec } from "../src/router/command.ts";
import incClass from "./inc/class.ts";
import incClasses from "./inc/classes.ts";
import incClose from "./inc/close.ts";
import incDeclare from "./inc/declare.ts";
import incDone from "./inc/done.ts";
import incInvite from "./inc/invite.ts";
import incJoin from "./inc/join.ts";
import incLead from "./inc/lead.ts";
import incList from "./inc/list.ts";
import incNote from "./inc/note.ts";
import incReopen from "./inc/reopen.ts";
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
  incClasses,
];
