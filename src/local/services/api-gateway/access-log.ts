/** What an API Gateway access log line can name (`$context.*`), for one request. */
export interface AccessContext {
  readonly requestId: string;
  readonly sourceIp: string;
  readonly userAgent?: string;
  readonly requestTime: Date;
  readonly httpMethod: string;
  readonly path: string;
  readonly resourcePath: string;
  readonly stage: string;
  readonly status: number;
  readonly protocol: string;
  readonly responseLength: number;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `01/Dec/2026:18:23:55 +0000`, API Gateway's `$context.requestTime`. */
function clf(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

/** The stage's access log format (`AccessLogSetting.Format`) filled in; unknown variables become `-`. */
export function accessLogLine(format: string, c: AccessContext): string {
  const values: Record<string, string | number | undefined> = {
    'requestId': c.requestId,
    'extendedRequestId': c.requestId,
    'identity.sourceIp': c.sourceIp,
    'identity.userAgent': c.userAgent,
    'requestTime': clf(c.requestTime),
    'requestTimeEpoch': c.requestTime.getTime(),
    'httpMethod': c.httpMethod,
    'path': `/${c.stage}${c.path}`,
    'resourcePath': c.resourcePath,
    'stage': c.stage,
    'status': c.status,
    'protocol': c.protocol,
    'responseLength': c.responseLength,
    'responseLatency': Date.now() - c.requestTime.getTime(),
  };
  return format.replace(/\$context\.([A-Za-z.]+[A-Za-z])/g, (_m, name: string) => String(values[name] ?? '-'));
}
