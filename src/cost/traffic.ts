import { CfnResource, StackTemplate } from './assembly';
import { CostLine, PricingError } from './calculator';
import { HOURS_PER_MONTH, RegionPrices, Tier } from './prices';

/** A month of requests to the API, as the user describes it. */
export interface Traffic {
  readonly requestsPerMonth: number;
  /** Billed duration of an average invocation, in ms (cold starts' init included). */
  readonly avgDurationMs: number;
  /** What API Gateway sends back per request (body and headers), in KB. */
  readonly responseKb: number;
  /** What the function exchanges per request through NAT (or the endpoints without NAT), in KB. */
  readonly egressKb: number;
}

/**
 * A warm request of the default handler takes a few milliseconds (token check and one query
 * through the proxy); 50 ms leaves room for your queries and the billed init of cold starts. Its
 * JSON answers are well under 1 KB. It sends nothing through NAT per request: tokens are verified
 * with the key and the database is inside the VPC (Secrets Manager is read once per container).
 */
export const DEFAULT_TRAFFIC = { avgDurationMs: 50, responseKb: 1, egressKb: 0 };
/** The volumes of the table printed without `--requests-per-month`. */
export const TABLE_REQUESTS = [0, 1_000_000, 10_000_000, 100_000_000];
/**
 * Logs a request writes: API Gateway's access-log line (~0.2 KB in this format) and the
 * function's START/END/REPORT platform records in JSON (~0.7 KB); a warm success writes no line
 * of the default handler's own.
 */
export const LOG_KB_PER_REQUEST = 1;
const SECONDS_PER_MONTH = HOURS_PER_MONTH * 3600;
const KB_PER_GB = 1024 * 1024;
/**
 * X-Ray's default sampling rule, which API Gateway and Lambda apply: the first request each second
 * and 5% of the others. https://docs.aws.amazon.com/xray/latest/devguide/xray-console-sampling.html
 */
const XRAY_RESERVOIR_PER_SECOND = 1;
const XRAY_FIXED_RATE = 0.05;

/** The parts of a stack a request passes through, read from its template. */
export interface RequestPath {
  readonly function: string;
  readonly memoryMb: number;
  readonly architecture: string;
  readonly traced: boolean;
  readonly egress: { readonly item: string; readonly perGb: number };
}

/** The function behind the stack's REST API, and what its requests are billed through. */
export function requestPath(stack: StackTemplate, prices: RegionPrices): RequestPath {
  const resources = Object.entries(stack.template.Resources ?? {});
  const ofType = (type: string) => resources.filter(([, r]) => r.Type === type);
  const invoked = ofType('AWS::Lambda::Permission')
    .filter(([, r]) => r.Properties?.Principal === 'apigateway.amazonaws.com')
    .map(([, r]) => r.Properties?.FunctionName?.['Fn::GetAtt']?.[0]);
  const id = invoked.find(i => typeof i === 'string' && stack.template.Resources?.[i]?.Type === 'AWS::Lambda::Function');
  if (ofType('AWS::ApiGateway::RestApi').length === 0 || id === undefined) {
    throw new PricingError(`stack ${stack.name} has no function behind an API Gateway REST API, so no traffic to price`);
  }
  const fn: CfnResource = stack.template.Resources![id];
  const architecture = String(fn.Properties?.Architectures?.[0] ?? 'x86_64');
  if (prices.lambdaGbSecond[architecture] === undefined) throw new PricingError(`no Lambda price for ${architecture}`);
  const traced = fn.Properties?.TracingConfig?.Mode === 'Active'
    || ofType('AWS::ApiGateway::Stage').some(([, r]) => r.Properties?.TracingEnabled === true);
  return {
    function: String(fn.Metadata?.['aws:cdk:path'] ?? id).replace(`${stack.name}/`, '').replace(/\/Resource$/, ''),
    memoryMb: Number(fn.Properties?.MemorySize ?? 128),
    architecture,
    traced,
    egress: egressOf(ofType, prices),
  };
}

function egressOf(ofType: (type: string) => Array<[string, CfnResource]>, prices: RegionPrices): RequestPath['egress'] {
  if (ofType('AWS::EC2::NatGateway').length > 0) return { item: 'NAT gateway data processing', perGb: prices.natGatewayGb };
  // A NAT instance bills no processing, only the instance (priced with the fixed part).
  if (ofType('AWS::EC2::Instance').some(([, r]) => r.Properties?.SourceDestCheck === false)) return { item: 'NAT instance data processing', perGb: 0 };
  if (ofType('AWS::EC2::VPCEndpoint').some(([, r]) => r.Properties?.VpcEndpointType === 'Interface')) {
    return { item: 'Interface endpoint data processing', perGb: prices.interfaceEndpointGb };
  }
  return { item: 'No egress path', perGb: 0 };
}

/** Traces recorded in a month of evenly spread requests under the default sampling rule. */
export function tracesRecorded(requests: number): number {
  const reservoir = Math.min(requests, XRAY_RESERVOIR_PER_SECOND * SECONDS_PER_MONTH);
  return reservoir + XRAY_FIXED_RATE * (requests - reservoir);
}

/** What `quantity` units cost through cumulative volume tiers. */
export function tiered(quantity: number, tiers: readonly Tier[]): number {
  let cost = 0;
  let from = 0;
  for (const tier of tiers) {
    if (quantity <= from) break;
    cost += (Math.min(quantity, tier.upTo) - from) * tier.price;
    from = tier.upTo;
  }
  return cost;
}

const usd = (n: number) => `$${n.toFixed(2)}`;
const amount = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 2 });
/** `10 M`, `500 k`, `750`. */
export const count = (n: number) => (n >= 1e6 ? `${amount(n / 1e6)} M` : n >= 1e4 ? `${amount(n / 1e3)} k` : amount(n));

/** The monthly cost lines of the traffic, each with how it comes about. */
export function trafficLines(path: RequestPath, prices: RegionPrices, traffic: Traffic): CostLine[] {
  const n = traffic.requestsPerMonth;
  const millions = n / 1e6;
  const gb = (kbPerRequest: number) => (n * kbPerRequest) / KB_PER_GB;
  const gbSeconds = n * (traffic.avgDurationMs / 1000) * (path.memoryMb / 1024);
  const perGbSecond = prices.lambdaGbSecond[path.architecture];
  const traces = path.traced ? tracesRecorded(n) : 0;
  const api = prices.apiRestRequestMillion;
  const lines: CostLine[] = [
    { item: 'API Gateway REST requests', resource: '', monthly: tiered(millions, api), basis: `${count(n)} × $${api[0].price.toFixed(2)}/M${millions > api[0].upTo ? ' (less beyond 333 M)' : ''}` },
    { item: 'Lambda requests', resource: path.function, monthly: millions * prices.lambdaRequestMillion, basis: `${count(n)} × $${prices.lambdaRequestMillion.toFixed(2)}/M` },
    {
      item: `Lambda duration ${path.architecture}`,
      resource: path.function,
      monthly: gbSeconds * perGbSecond,
      basis: `${amount(gbSeconds)} GB-s (${traffic.avgDurationMs} ms × ${path.memoryMb} MB) × $${perGbSecond}`,
    },
    {
      item: 'X-Ray traces',
      resource: '',
      monthly: (traces / 1e6) * prices.xrayTraceMillion,
      basis: path.traced ? `${amount(traces)} traces (1/s + 5% of the rest) × $${prices.xrayTraceMillion.toFixed(2)}/M` : 'tracing off',
    },
    { item: 'Log ingestion per request', resource: '', monthly: gb(LOG_KB_PER_REQUEST) * prices.logIngestionGb, basis: `${LOG_KB_PER_REQUEST} KB × ${count(n)} = ${amount(gb(LOG_KB_PER_REQUEST))} GB × ${usd(prices.logIngestionGb)}` },
    { item: 'Data transfer out (responses)', resource: '', monthly: gb(traffic.responseKb) * prices.dataTransferOutGb, basis: `${traffic.responseKb} KB × ${count(n)} = ${amount(gb(traffic.responseKb))} GB × ${usd(prices.dataTransferOutGb)}` },
    { item: path.egress.item, resource: '', monthly: gb(traffic.egressKb) * path.egress.perGb, basis: `${traffic.egressKb} KB × ${count(n)} = ${amount(gb(traffic.egressKb))} GB × $${path.egress.perGb.toFixed(3)}` },
  ];
  return lines;
}

/** What the traffic figures assume, for the printed estimate. */
export function trafficAssumptions(path: RequestPath, traffic: Omit<Traffic, 'requestsPerMonth'>): string[] {
  return [
    `traffic: ${traffic.avgDurationMs} ms per invocation at ${path.memoryMb} MB ${path.architecture} (--avg-duration-ms), ${traffic.responseKb} KB per response (--response-kb), `
      + `${traffic.egressKb} KB per request through NAT or endpoints (--egress-kb), ${LOG_KB_PER_REQUEST} KB of logs per request; requests spread evenly over ${HOURS_PER_MONTH} h for X-Ray's sampling`,
    'traffic: free tiers (Lambda 1 M requests and 400,000 GB-s, X-Ray 100,000 traces, 100 GB of data out a month; API Gateway 1 M for new accounts) are not deducted; KB = 1,024 bytes, GB = 1,024 MB',
  ];
}
