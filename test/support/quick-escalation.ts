// An on-call configuration for runs that page a lot in real time (the chaos test, the paging
// benchmark): bob is always on call for csirt, alice is level 2, each level waits 2 s, and storm
// protection is out of the way (they page bob dozens of times a minute on purpose).
export const QUICK_ESCALATION_ONCALL = `people:
  - { id: alice, name: Alice, timeZone: UTC, identities: { console: alice } }
  - { id: bob, name: Bob, timeZone: UTC, identities: { console: bob } }
teams:
  - id: csirt
    name: CSIRT
    members: [alice, bob]
    escalationPolicy: quick
    paging: { severities: [1] }
    rotations:
      - { id: primary, type: weekly, participants: [bob], start: "2026-01-05", handoff: "09:00", timeZone: UTC }
escalationPolicies:
  - id: quick
    levels:
      - { target: { oncall: csirt }, after: 2s }
      - { target: { person: alice }, after: 2s }
pageLimits: { mergeWithin: 1s, perPerson: 10000, window: 1m }
`;
