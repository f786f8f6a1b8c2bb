// Incident roles, one holder each. The commander (incident commander, IC) leads; the others
// follow the usual CSIRT split of work.
export const ROLES = {
  commander: { name: "commander", duty: "leads the response and decides" },
  deputy: { name: "deputy commander", duty: "stands in for the commander" },
  scribe: { name: "scribe", duty: "keeps the timeline and notes" },
  comms: { name: "communications lead", duty: "talks to stakeholders and the public" },
  liaison: { name: "liaison", duty: "works with other teams, CERTs and authorities" },
} as const;

export type Role = keyof typeof ROLES;
export const ROLE_IDS = Object.keys(ROLES) as Role[];

export function isRole(value: string): value is Role {
  return Object.hasOwn(ROLES, value);
}
