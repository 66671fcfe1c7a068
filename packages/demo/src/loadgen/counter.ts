/** One row of the load generator's own count. `route` is the route template the server sees; '' = no route matched. */
export interface CountRow {
  service: string;
  route: string;
  method: string;
  /** The HTTP status received, or 'error' when no response came back. */
  status: string;
  count: number;
}

/** Counts every request sent, by service, route template, method and status: the independent count. */
export class RequestCounter {
  readonly #counts = new Map<string, CountRow>();

  add(service: string, route: string, method: string, status: string): void {
    const key = `${service}\u0000${route}\u0000${method}\u0000${status}`;
    const row = this.#counts.get(key);
    if (row) row.count++;
    else this.#counts.set(key, { service, route, method, status, count: 1 });
  }

  rows(): CountRow[] {
    return [...this.#counts.values()]
      .map((r) => ({ ...r }))
      .sort(
        (a, b) =>
          a.service.localeCompare(b.service) ||
          a.route.localeCompare(b.route) ||
          a.method.localeCompare(b.method) ||
          a.status.localeCompare(b.status),
      );
  }

  total(): number {
    let n = 0;
    for (const r of this.#counts.values()) n += r.count;
    return n;
  }
}
