// Schemas built on first use. A zod schema is an object graph made when its module loads: every
// schema a module declares at its top level costs CPU at every start, on every thread that loads
// the module, whether or not anything it validates ever arrives (configuration files that are not
// set, bulletin feeds, alert integrations on the Slack ack thread, which only needs their rules'
// matching code). A schema declared with `lazySchema(() => z....)` is built the first time it is
// asked for and the same object is returned ever after, so validation is exactly what the eager
// declaration did, and a later call never pays again. Its cost moves to the first parse (a few
// milliseconds at most for the largest, the on-call file's).

/** A getter that builds its value on the first call and returns that same value on every call. */
export function lazySchema<T>(build: () => T): () => T {
  let built: { value: T } | undefined;
  return () => {
    built ??= { value: build() };
    return built.value;
  };
}
