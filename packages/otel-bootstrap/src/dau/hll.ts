// HyperLogLog with 2^14 one-byte registers (16 KiB, standard error 0.81 %) and Ertl's improved estimator
// ("New cardinality estimation algorithms for HyperLogLog sketches", 2017; the one Redis uses), which is unbiased
// from 0 to billions without empirical bias tables. Input is a 64-bit hash given as two 32-bit halves.

export const P = 14;
export const M = 1 << P;
const Q = 64 - P;

export class HyperLogLog {
  readonly registers: Uint8Array;

  constructor(registers?: Uint8Array) {
    this.registers = registers ?? new Uint8Array(M);
  }

  /** Adds a 64-bit hash (high and low 32 bits). Returns true if a register changed. */
  add(hi: number, lo: number): boolean {
    const index = hi >>> (32 - P);
    const restHi = hi & ((1 << (32 - P)) - 1); // 18 bits
    let rank: number;
    if (restHi !== 0) rank = Math.clz32(restHi) - P + 1;
    else rank = 32 - P + Math.clz32(lo >>> 0) + 1; // lo === 0 gives Q + 1
    if (rank > this.registers[index]!) {
      this.registers[index] = rank;
      return true;
    }
    return false;
  }

  /** Register-wise maximum: the sketch of the union. */
  merge(other: HyperLogLog): void {
    const a = this.registers;
    const b = other.registers;
    for (let i = 0; i < M; i++) if (b[i]! > a[i]!) a[i] = b[i]!;
  }

  count(): number {
    const c = new Array<number>(Q + 2).fill(0);
    for (let i = 0; i < M; i++) c[this.registers[i]!]!++;
    let z = M * tau(1 - c[Q + 1]! / M);
    for (let k = Q; k >= 1; k--) z = 0.5 * (z + c[k]!);
    z += M * sigma(c[0]! / M);
    const alphaInf = 1 / (2 * Math.log(2));
    return Math.round((alphaInf * M * M) / z);
  }
}

function sigma(x: number): number {
  if (x === 1) return Number.POSITIVE_INFINITY;
  let y = 1;
  let z = x;
  let zPrev: number;
  do {
    x *= x;
    zPrev = z;
    z += x * y;
    y += y;
  } while (zPrev !== z);
  return z;
}

function tau(x: number): number {
  if (x === 0 || x === 1) return 0;
  let y = 1;
  let z = 1 - x;
  let zPrev: number;
  do {
    x = Math.sqrt(x);
    zPrev = z;
    y *= 0.5;
    z -= (1 - x) ** 2 * y;
  } while (zPrev !== z);
  return z / 3;
}
