// The shape of a V8 CPU profile (.cpuprofile, from --cpu-prof or the inspector), as the
// measuring scripts that read one use it (profile-summary.ts, start-profile.ts).
export interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

export interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}
