// The benchmark's table: each measure with Portrait's figure, the reference measured beside it in
// the same run, their ratio and the target.
export interface Row {
  measure: string;
  portrait: string;
  reference: string;
  ratio: number;
  target?: string;
  met?: boolean;
}

export function table(rows: Row[]): string {
  const lines = [
    '| measure | Portrait | reference (same run) | ratio | target |',
    '|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.measure} | ${r.portrait} | ${r.reference} | ${Number.isFinite(r.ratio) ? r.ratio.toFixed(2) : 'n/a'} | ${
          r.target ? `${r.target} ${r.met === undefined ? '' : r.met ? '✓ met' : '✗ missed'}` : ''
        } |`,
    ),
  ];
  return lines.join('\n');
}
