// Console handles (`@alice`): what /as, mentions and TOCSIN_CONSOLE_USER accept. One rule, so
// the configured user is refused at start for the same reason /as would refuse it.

const HANDLE = /^@?([a-z0-9][a-z0-9._-]{0,63})$/i;

/** `@Alice` -> `alice`; undefined when the text is not a handle (spaces, symbols, too long). */
export function normaliseHandle(input: string): string | undefined {
  const match = HANDLE.exec(input.trim());
  return match?.[1]?.toLowerCase();
}
