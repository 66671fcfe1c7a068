// Markdown for the generated metric references (package READMEs, packages/receivers/METRICS.md).
import type { AttributeSpec, MetricSpec } from './spec.ts';

/** A markdown table with padded columns, as `biome format` writes it (so the formatter leaves it alone). */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}

/** `` `a` (x, y), `b` `` or `-`: attribute names with their allowed values. */
export function attributeList(attributes: Readonly<Record<string, AttributeSpec>>): string {
  const list = Object.entries(attributes).map(([k, a]) => `\`${k}\`${a.values ? ` (${a.values.join(', ')})` : ''}`);
  return list.join(', ') || '-';
}

/** Text for a markdown cell (pipes escaped). */
export function cell(text: string): string {
  return text.replaceAll('|', '\\|');
}

/** Our name; the semantic-convention or collector-contrib name; same, or why ours differs. */
export function mappingTable(metrics: readonly MetricSpec[]): string[] {
  const rows = metrics.map((m) => {
    const u = m.upstream;
    if (!u) return [`\`${m.name}\``, '-', 'ours: nothing upstream measures it; `<system>.<entity>.<measure>`'];
    const theirs = `\`${u.name ?? m.name}\` (${u.from})`;
    const same = u.name === undefined ? 'same name' : 'different name';
    return [`\`${m.name}\``, theirs, cell(u.note ? `${same}: ${u.note}` : same)];
  });
  return markdownTable(['our name', 'upstream name (from)', 'same, or why different'], rows);
}
