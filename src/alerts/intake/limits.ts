// The alert endpoints' limits and their defaults: read by the endpoints (routes.ts) and by the
// configuration (src/config.ts: TOCSIN_ALERT_IN_FLIGHT, TOCSIN_ALERT_*_BODY_BYTES).

export interface AlertIntakeLimits {
  /**
   * Alert requests read at once by this process, keyed and /v2/enqueue each; more get 429
   * (default 64). Read requests wait for their commit in a room 16 times as large (in-flight.ts).
   */
  maxInFlight?: number;
  /** Body limit of the Alertmanager and Grafana webhooks (default 1 MB: big groups). */
  webhookBodyBytes?: number;
  /** Body limit of the PagerDuty and generic endpoints (default 512 KB, PagerDuty's). */
  eventBodyBytes?: number;
  /** Retry-After of a 429, seconds (default 5). */
  overloadRetrySeconds?: number;
  /** Retry-After of a 503, seconds (default 30). */
  unavailableRetrySeconds?: number;
}

/**
 * The largest body limits the configuration accepts. A body is parsed whole on the edge thread
 * before any field is checked, into up to about 40 times its size (`{}` repeated), so its values
 * are counted first (MAX_JSON_VALUES, src/chat/json-nesting.ts; a form's fields, MAX_FORM_FIELDS,
 * body.ts) and its text bounded here: the worst shapes found, at 4 MB and that many values or
 * fields, held 10-46 MB once parsed and drafted by every endpoint's draft (83 MB for index keys
 * repeated, then one large index, while its request is parsed), and were parsed and drafted
 * beside 128 MB of other live objects (four full waiting rooms) in a thread bounded as the
 * edge thread is, 256 MB (test/unit/alerts/largest-body-heap.test.ts, 2026-12-01). Until then the
 * limits could be raised to 64 MB and nothing counted the values: one post of 10 MB of repeated
 * index keys, or of 6 MB of empty objects, could end the thread (the attack reviews of
 * 2026-12-01). Alertmanager posts a group of 1,000 alerts in 1-2 MB; PagerDuty documents 512 KB.
 */
export const MAX_BODY_LIMIT_BYTES = 4 * 1024 * 1024;

export const DEFAULT_ALERT_INTAKE_LIMITS: Required<AlertIntakeLimits> = {
  maxInFlight: 64,
  webhookBodyBytes: 1024 * 1024,
  eventBodyBytes: 512 * 1024,
  overloadRetrySeconds: 5,
  unavailableRetrySeconds: 30,
};
