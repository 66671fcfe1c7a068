// The MES cost calculation: the CPU-hungry part of the company. Materials and machines come from a reference table;
// an order naming something unknown is invalid and is rejected (dead-lettered).

export const MATERIALS: Record<string, number> = {
  'steel-sheet': 42.5,
  'aluminium-bar': 18.2,
  'copper-wire': 7.9,
  'abs-granulate': 3.1,
  'm6-bolt': 0.12,
  'bearing-6204': 2.75,
  'paint-ral7035': 11.4,
  'pcb-ctrl-v2': 23.0,
  'rubber-seal': 0.85,
  'glass-panel': 31.6,
};

/** Euros per machine hour. */
export const MACHINES: Record<string, number> = {
  'laser-cutter': 95,
  'cnc-mill': 120,
  'press-brake': 70,
  'injection-moulder': 85,
  'paint-line': 60,
  'assembly-cell': 45,
  'test-bench': 55,
};

export interface OrderSpec {
  product: string;
  quantity: number;
  materials: { sku: string; qty: number }[];
  operations: { machine: string; minutes: number }[];
  /** The customer's purchase-order number: unique per user (a resubmission is a conflict). */
  poNumber?: string;
  /** An urgent quote: worthless after this many seconds (the order expires in the queue). */
  deadlineSeconds?: number;
}

export interface CostResult {
  unitCost: number;
  totalCost: number;
  materialCost: number;
  machineCost: number;
  scrapAllowance: number;
  p90TotalCost: number;
  iterations: number;
}

/** Shape check (the MES API answers 400 when it fails). Unknown materials or machines pass: the worker decides. */
export function checkShape(body: unknown): OrderSpec | string {
  if (typeof body !== 'object' || body === null) return 'body must be an object';
  const b = body as Record<string, unknown>;
  if (typeof b.product !== 'string' || b.product.length === 0 || b.product.length > 100) return 'product: a string';
  if (!Number.isInteger(b.quantity) || (b.quantity as number) < 1 || (b.quantity as number) > 100_000)
    return 'quantity: an integer 1..100000';
  if (!Array.isArray(b.materials) || b.materials.length === 0 || b.materials.length > 50) return 'materials: 1..50';
  if (!Array.isArray(b.operations) || b.operations.length === 0 || b.operations.length > 50) return 'operations: 1..50';
  for (const m of b.materials as Record<string, unknown>[])
    if (typeof m?.sku !== 'string' || typeof m.qty !== 'number') return 'materials[]: {sku, qty}';
  for (const o of b.operations as Record<string, unknown>[])
    if (typeof o?.machine !== 'string' || typeof o.minutes !== 'number') return 'operations[]: {machine, minutes}';
  if (b.poNumber !== undefined && (typeof b.poNumber !== 'string' || b.poNumber.length === 0 || b.poNumber.length > 64))
    return 'poNumber: a string of 1..64 characters';
  const d = b.deadlineSeconds;
  if (d !== undefined && (!Number.isInteger(d) || (d as number) < 1 || (d as number) > 86_400))
    return 'deadlineSeconds: an integer 1..86400';
  return {
    ...(b.poNumber !== undefined ? { poNumber: b.poNumber as string } : {}),
    ...(d !== undefined ? { deadlineSeconds: d as number } : {}),
    product: b.product,
    quantity: b.quantity as number,
    materials: b.materials as OrderSpec['materials'],
    operations: b.operations as OrderSpec['operations'],
  };
}

/** Why the worker cannot calculate this order, or undefined. */
export function invalidReason(spec: OrderSpec): string | undefined {
  for (const m of spec.materials) {
    if (!(m.sku in MATERIALS)) return `unknown material ${m.sku}`;
    if (!(m.qty > 0)) return `material ${m.sku}: quantity must be positive`;
  }
  for (const o of spec.operations) {
    if (!(o.machine in MACHINES)) return `unknown machine ${o.machine}`;
    if (!(o.minutes > 0)) return `operation on ${o.machine}: minutes must be positive`;
  }
  return undefined;
}

/** A small deterministic PRNG so a calculation is reproducible for the same order. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Monte-Carlo cost: each iteration draws scrap and machine-time variation per operation. The iteration count is
 * what makes this CPU work (about 10-40 ms per order on a laptop core).
 */
export function calculateCost(spec: OrderSpec, seed: number, iterations = 4000): CostResult {
  const rand = mulberry32(seed);
  let materialCost = 0;
  for (const m of spec.materials) materialCost += MATERIALS[m.sku]! * m.qty;
  let machineCost = 0;
  for (const o of spec.operations) machineCost += (MACHINES[o.machine]! * o.minutes) / 60;
  const base = (materialCost + machineCost) * spec.quantity;
  const totals = new Float64Array(iterations);
  for (let i = 0; i < iterations; i++) {
    let total = 0;
    for (const o of spec.operations) {
      // triangular variation of machine time, scrap share drawn per operation
      const u = rand();
      const v = rand();
      const timeFactor = 0.85 + 0.3 * (u + v) * 0.5;
      const scrap = -Math.log(1 - rand() * 0.999) * 0.02;
      total += ((MACHINES[o.machine]! * o.minutes) / 60) * timeFactor * (1 + scrap);
    }
    const materialScrap = 1 + -Math.log(1 - rand() * 0.999) * 0.015;
    totals[i] = (total + materialCost * materialScrap) * spec.quantity;
  }
  totals.sort();
  let sum = 0;
  for (const t of totals) sum += t;
  const mean = sum / iterations;
  const round = (x: number) => Math.round(x * 100) / 100;
  return {
    unitCost: round(mean / spec.quantity),
    totalCost: round(mean),
    materialCost: round(materialCost * spec.quantity),
    machineCost: round(machineCost * spec.quantity),
    scrapAllowance: round(mean - base),
    p90TotalCost: round(totals[Math.floor(iterations * 0.9)]!),
    iterations,
  };
}
