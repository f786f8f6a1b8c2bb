// Reading a source's bytes: a size-capped body, a bounded number of reads at once, and read
// failures described as sentences (no stack traces reach the people reading a digest).
import { fileURLToPath } from "node:url";

export type ReadResult = { ok: true; text: string } | { ok: false; reason: string };

/** Reads a body chunk by chunk, so an endless or oversized answer is cut off at the limit. */
export async function readLimited(response: Response, maxBytes: number): Promise<ReadResult> {
  if (!response.body) return { ok: true, text: "" };
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      return { ok: false, reason: tooLarge(maxBytes) };
    }
    chunks.push(value);
  }
  return { ok: true, text: Buffer.concat(chunks).toString("utf8") };
}

export async function mapWithConcurrency<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

export function describeLocation(url: URL): string {
  return url.protocol === "file:" ? fileURLToPath(url) : url.href;
}

export function tooLarge(maxBytes: number): string {
  return `larger than the ${maxBytes} byte limit`;
}

export function describeFileError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return "no such file or directory";
  if (code === "EACCES") return "permission denied";
  return (error as Error).message;
}

export function describeFetchError(error: unknown, timeoutMs: number): string {
  const name = (error as Error).name;
  if (name === "TimeoutError" || name === "AbortError") return `no complete answer within ${timeoutMs} ms`;
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const detail = cause?.code ?? cause?.message;
  return `unreachable: ${(error as Error).message}${detail ? ` (${detail})` : ""}`;
}
