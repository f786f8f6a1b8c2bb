// The layers of tocsin and the arrows allowed between them (README "Architecture"). `npm run lint`
// runs this: a wrong import fails the build instead of a review.
//
//   composition root (src/main.ts, src/app.ts)  — wires everything, the only place that may
//        |                                        construct platforms and hand them to the outbox
//   platforms (src/chat/{slack,matrix,console}) — inbound events -> Invocations; outbound only
//        |                                        for the outbox
//   router + commands (src/router, commands/)   — parse, authorise, call the domain
//        |
//   domain (incidents, oncall, paging, bulletins, people, access, alerts)
//        |
//   outbox (src/outbox)                         — audiences, TLP decisions, the one holder of platforms
//        |
//   leaves (chat seam types and message model, TLP, clock, errors, jobs, db, http, logging, config)
//
// An arrow points down only.
const DOMAIN = "^src/(incidents|oncall|paging|bulletins|people|access|alerts)/";
const PLATFORMS = "^src/chat/(slack|matrix|console)/";
// src/edge-thread.ts: the HTTP edge thread's entry, which wires the parts' edge sides into it.
const COMPOSITION = "^src/(main|app|config|edge-thread)\\.ts$";

module.exports = {
  forbidden: [
    {
      name: "no-cycles",
      severity: "error",
      comment:
        "Modules form layers; a cycle means a layer reaches up. See README Architecture. Type-only imports count too: a type two modules share belongs in a leaf below both (src/router/declaration.ts, src/chat/slack/reply-target.ts, Organisation in src/chat/platform-descriptor.ts). Only the composition root's lazy loading of a platform (import() in its environment's create) does not make a cycle.",
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ["dynamic-import"] } },
    },
    {
      name: "one-way-out",
      severity: "error",
      comment:
        "Only the outbox, the platforms themselves and the composition root hold a ChatPlatform: everything that leaves tocsin passes the outbox's TLP and visibility rules.",
      from: {
        path: "^(src|commands|scripts)/",
        pathNot: [`^src/outbox/`, PLATFORMS, COMPOSITION, "^src/chat/platform(-descriptor)?\\.ts$"],
      },
      to: { path: "^src/chat/platform\\.ts$" },
    },
    {
      name: "platforms-are-constructed-by-the-composition-root",
      severity: "error",
      comment:
        "A platform folder is reached only from the composition root (and itself); the registry (src/chat/platforms.ts) reads its descriptor, which loads the platform itself only when main.ts asks.",
      from: { path: "^(src|commands)/", pathNot: [PLATFORMS, COMPOSITION] },
      to: { path: PLATFORMS, pathNot: "/(descriptor|environment)\\.ts$" },
    },
    {
      name: "platforms-know-no-domain",
      severity: "error",
      comment:
        "Platforms turn events into Invocations and render messages (they may read the command vocabulary below them); the domain and the outbox are not theirs.",
      from: { path: PLATFORMS },
      to: {
        path: [DOMAIN, "^src/outbox/"],
        pathNot: ["^src/incidents/tlp\\.ts$", "^src/incidents/rsit-machinev1\\.json$"],
      },
    },
    {
      name: "domain-knows-no-router-commands-or-platforms",
      severity: "error",
      comment:
        "The domain hands outbound items to the outbox; it never imports the router, commands or a platform.",
      from: { path: DOMAIN },
      to: { path: ["^src/router/", "^commands/", PLATFORMS, COMPOSITION, "^src/services\\.ts$"] },
    },
    {
      name: "outbox-is-below-the-domain",
      severity: "error",
      comment:
        "The outbox decides by audience; it learns about incidents through its AudienceDirectory port.",
      from: { path: "^src/outbox/" },
      to: {
        path: [DOMAIN, "^src/router/", "^commands/", PLATFORMS, COMPOSITION],
        pathNot: "^src/incidents/tlp\\.ts$",
      },
    },
    {
      name: "leaves-stay-leaves",
      severity: "error",
      comment:
        "Leaf modules (seam types, message model, TLP, clock, errors, jobs, db, http, logging) import only other leaves.",
      from: {
        path: [
          "^src/chat/(invocation|message|button-command|command-words|plain-text|room-name|room-addresses|tlp-gate)\\.ts$",
          "^src/incidents/tlp\\.ts$",
          "^src/(clock|errors|logging)\\.ts$",
          "^src/(jobs|db|http)/",
        ],
        // A compile-time check that the database enums match the incident module's lists.
        pathNot: "^src/db/enums\\.ts$",
      },
      to: {
        path: [DOMAIN, "^src/router/", "^commands/", PLATFORMS, COMPOSITION],
        pathNot: ["^src/incidents/tlp\\.ts$", "^src/oncall/durations\\.ts$"],
      },
    },
    {
      name: "scripts-and-product-never-import-tests",
      severity: "error",
      comment: "Tests may import the product, never the other way round (scripts included).",
      from: { path: "^(src|commands|scripts)/" },
      to: { path: "^test/" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^src/generated/" },
    // TypeScript 7 has no compiler API for dependency-cruiser: swc parses the sources.
    parser: "swc",
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { extensions: [".ts", ".js", ".json"] },
  },
};
