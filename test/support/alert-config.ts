// The smallest on-call configuration alert tests need: one person, the csirt team and a policy,
// with the integrations a test gives (YAML list items under `integrations:`).
import { type OncallConfig, parseOncallConfig } from "../../src/oncall/config.ts";

export function configWithIntegrations(integrations: string): OncallConfig {
  return parseOncallConfig(
    `people:
  - { id: alice, name: Alice, timeZone: Europe/Paris }
teams:
  - { id: csirt, name: CSIRT, members: [alice], escalationPolicy: default }
escalationPolicies:
  - { id: default, levels: [{ target: { team: csirt }, after: 5m }] }
integrations:
${integrations}`,
    "oncall.yaml",
  );
}
