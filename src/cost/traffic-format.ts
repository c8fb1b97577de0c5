import { StackTemplate } from './assembly';
import { PricingError } from './calculator';
import { RegionPrices } from './prices';
import { count, requestPath, RequestPath, TABLE_REQUESTS, Traffic, trafficAssumptions, trafficLines } from './traffic';

const usd = (n: number) => `$${n.toFixed(2)}`;

/** The request path of a stack, or the line saying why its traffic cannot be priced. */
function pathOrReason(stack: StackTemplate, prices: RegionPrices): RequestPath | string {
  try {
    return requestPath(stack, prices);
  } catch (e) {
    if (!(e instanceof PricingError)) throw e;
    return `  traffic not priced: ${e.message}`;
  }
}

/** What one month of `traffic` adds to the fixed part, line by line, and the sum. */
export function formatTraffic(stack: StackTemplate, prices: RegionPrices, fixed: number, traffic: Traffic): string[] {
  const path = pathOrReason(stack, prices);
  if (typeof path === 'string') return [path];
  const lines = trafficLines(path, prices, traffic);
  const usage = lines.reduce((sum, l) => sum + l.monthly, 0);
  const amounts = lines.map(l => usd(l.monthly));
  const width = Math.max(...amounts.map(a => a.length), usd(fixed + usage).length);
  return [
    `Traffic: ${count(traffic.requestsPerMonth)} requests a month`,
    ...lines.map((l, i) => `  ${amounts[i].padStart(width)}  ${l.item}${l.resource ? ` ${l.resource}` : ''}: ${l.basis}`),
    `  ${usd(usage).padStart(width)}  Traffic`,
    `  ${usd(fixed + usage).padStart(width)}  Total with traffic (fixed ${usd(fixed)})`,
    ...trafficAssumptions(path, traffic).map(a => `  assumed: ${a}`),
  ];
}

/** The table printed without a request count: each volume of `TABLE_REQUESTS`, by service. */
export function formatTrafficTable(stack: StackTemplate, prices: RegionPrices, fixed: number, traffic: Omit<Traffic, 'requestsPerMonth'>): string[] {
  const path = pathOrReason(stack, prices);
  if (typeof path === 'string') return [path];
  const header = ['requests/month', 'API Gateway', 'Lambda', 'X-Ray', 'logs', 'data out', 'NAT/endpoints', 'traffic', 'total'];
  const rows = TABLE_REQUESTS.map(n => {
    const [api, requests, duration, xray, logs, out, egress] = trafficLines(path, prices, { ...traffic, requestsPerMonth: n }).map(l => l.monthly);
    const usage = api + requests + duration + xray + logs + out + egress;
    return [count(n), usd(api), usd(requests + duration), usd(xray), usd(logs), usd(out), usd(egress), usd(usage), usd(fixed + usage)];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map(r => r[i].length)));
  const render = (cells: string[]) => `  ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')}`;
  return [
    'Traffic (pass --requests-per-month N for one volume, line by line):',
    render(header),
    ...rows.map(render),
    ...trafficAssumptions(path, traffic).map(a => `  assumed: ${a}`),
  ];
}
