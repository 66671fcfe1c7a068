/**
 * Turns readings of a source counter that can go back to zero (pg_stat_reset(), pg_stat_statements_reset(), an
 * evicted pg_stat_statements entry, a restarted broker) into deltas that are never negative:
 *
 * - first reading of a key: the delta is the reading itself (everything the source counted, since its own reset
 *   or since the entry appeared);
 * - a reading below the previous one, or a changed `epoch` (e.g. `stats_reset`): a reset happened, the delta is
 *   the new reading (what was counted since the reset) - no negative rate, no spike;
 * - otherwise the difference.
 *
 * Keys not read in a scrape are forgotten by `sweep()`, so memory follows the source, not its history.
 */
export class CounterDeltas {
  readonly #last = new Map<string, { reading: number; epoch: string | undefined; generation: number }>();
  #generation = 0;

  /** Starts a scrape (see `sweep()`). */
  begin(): void {
    this.#generation++;
  }

  delta(key: string, reading: number, epoch?: string): number {
    const last = this.#last.get(key);
    this.#last.set(key, { reading, epoch, generation: this.#generation });
    if (!last) return reading;
    const reset = reading < last.reading || (epoch !== undefined && epoch !== last.epoch);
    return reset ? reading : reading - last.reading;
  }

  /** Forgets keys that were not read since `begin()`. Call only after a complete read of the source. */
  sweep(): void {
    for (const [key, last] of this.#last) if (last.generation !== this.#generation) this.#last.delete(key);
  }

  get size(): number {
    return this.#last.size;
  }
}

/**
 * Our own cumulative totals, kept from deltas: what a receiver reports for every `counter` of its table. The
 * first reading of a source counter becomes the starting total, later readings add their non-negative delta.
 */
export class CumulativeCounters {
  readonly #deltas = new CounterDeltas();
  readonly #totals = new Map<string, number>();

  /** Feeds a source reading; returns the running total. */
  update(key: string, reading: number, epoch?: string): number {
    return this.add(key, this.#deltas.delta(key, reading, epoch));
  }

  /** Adds a delta computed elsewhere (e.g. the sum of per-statement deltas of one database). */
  add(key: string, delta: number): number {
    const total = (this.#totals.get(key) ?? 0) + delta;
    this.#totals.set(key, total);
    return total;
  }

  get(key: string): number | undefined {
    return this.#totals.get(key);
  }
}

/**
 * Totals of a source SUM whose parts can disappear (pg_stat_statements summed per database: an evicted entry takes
 * its calls with it). A changed epoch is a full reset (the delta is the new reading); a drop without one means
 * parts vanished: the delta is 0 and the new, lower reading becomes the baseline. A total never goes down and never
 * jumps; it can only miss what the vanished parts had counted since the previous reading.
 */
export class ClampedCounters {
  readonly #last = new Map<string, { reading: number; epoch: string | undefined; total: number }>();

  update(key: string, reading: number, epoch?: string): number {
    const last = this.#last.get(key);
    if (!last) {
      this.#last.set(key, { reading, epoch, total: reading });
      return reading;
    }
    const reset = epoch !== undefined && epoch !== last.epoch;
    last.total += reset ? reading : Math.max(0, reading - last.reading);
    last.reading = reading;
    last.epoch = epoch;
    return last.total;
  }
}
