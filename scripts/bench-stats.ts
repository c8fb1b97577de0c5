/** Medians, percentiles and the side-by-side table of `npx projen bench`. */

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) {
    return NaN;
  }
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

export const median = (values: readonly number[]) => percentile(values, 50);

/** One row: a metric and its value per subject, in the subjects' order. */
export interface Row {
  readonly metric: string;
  readonly values: readonly number[];
  readonly digits: number;
}

const fixed = (n: number, digits: number) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
const ratio = (a: number, b: number) => (Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? `${(a / b).toFixed(2)}×` : 'n/a');

/** A Markdown table: the metric, each subject, then the first subject's ratio to each other one. */
export function table(subjects: readonly string[], rows: readonly Row[]): string {
  const [first, ...others] = subjects;
  const header = ['metric', ...subjects, ...others.map((o) => `${first}/${o}`)];
  const lines = [header, header.map(() => '---')];
  for (const row of rows) {
    lines.push([
      row.metric,
      ...row.values.map((v) => fixed(v, row.digits)),
      ...others.map((_, i) => ratio(row.values[0], row.values[i + 1])),
    ]);
  }
  return lines.map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}
