// The outbox's page deliveries in flight and so far: a page is work a person waits for, so the
// composition root asks about them before something that would stall the process (a full GC).
export class PageSends {
  #sending = 0;
  #taken = 0;

  /** Page deliveries taken so far; only grows. */
  get taken(): number {
    return this.#taken;
  }

  /** Whether a page delivery is being sent now (its audience read, or its platform call). */
  get sending(): boolean {
    return this.#sending > 0;
  }

  /** Runs `send`, counted when it delivers a page. */
  async count<T>(page: boolean, send: () => Promise<T>): Promise<T> {
    if (!page) return send();
    this.#taken++;
    this.#sending++;
    try {
      return await send();
    } finally {
      this.#sending--;
    }
  }
}
