/**
 * vCPUs and memory of RDS DB instance classes, from "Hardware specifications for DB instance
 * classes" (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Concepts.DBInstanceClass.Summary.html),
 * and the baseline CPU of the burstable classes (T instances earn credits up to this share of each
 * vCPU; above it they spend credits or, in unlimited mode, pay surplus charges).
 */
export interface InstanceClassSpec {
  /** The class as RDS names it, e.g. `db.t4g.micro`. */
  readonly name: string;
  readonly vcpus: number;
  readonly memoryGiB: number;
  /** Baseline CPU utilisation in percent, for burstable classes only. */
  readonly baselineCpuPercent?: number;
}

const BURSTABLE: { [size: string]: [vcpus: number, memoryGiB: number, baseline: number] } = {
  'micro': [2, 1, 10],
  'small': [2, 2, 20],
  'medium': [2, 4, 20],
  'large': [2, 8, 30],
  'xlarge': [4, 16, 40],
  '2xlarge': [8, 32, 40],
};

/** GiB of memory per vCPU of the fixed-performance families RDS PostgreSQL offers. */
const MEMORY_PER_VCPU: Array<[RegExp, number]> = [
  [/^m(5|5d|6g|6gd|6i|6id|7g|7gd|7i|8g|8gd)$/, 4],
  [/^r(5|5b|5d|6g|6gd|6i|6id|7g|7gd|7i|8g|8gd)$/, 8],
  [/^x2g$/, 16],
];

/** vCPUs of a size: `large` 2, `xlarge` 4, `Nxlarge` 4N. */
function sizeVcpus(size: string): number | undefined {
  if (size === 'large') return 2;
  const match = /^(\d*)xlarge$/.exec(size);
  return match ? 4 * Number(match[1] || 1) : undefined;
}

/**
 * The specification of a class (`db.t4g.micro` or `t4g.micro`), or undefined for a class this
 * table does not know.
 */
export function instanceClassSpec(instanceClass: string): InstanceClassSpec | undefined {
  const bare = instanceClass.replace(/^db\./, '');
  const [family, size] = bare.split('.');
  const name = `db.${bare}`;
  if (family === 't3' || family === 't4g') {
    const spec = BURSTABLE[size];
    return spec ? { name, vcpus: spec[0], memoryGiB: spec[1], baselineCpuPercent: spec[2] } : undefined;
  }
  const perVcpu = MEMORY_PER_VCPU.find(([pattern]) => pattern.test(family ?? ''))?.[1];
  const vcpus = size === undefined ? undefined : sizeVcpus(size);
  return perVcpu && vcpus ? { name, vcpus, memoryGiB: vcpus * perVcpu } : undefined;
}

/** The next larger classes of the same family, smallest first (for "choose a larger class" advice). */
export function largerClasses(instanceClass: string): string[] {
  const bare = instanceClass.replace(/^db\./, '');
  const [family, size] = bare.split('.');
  const sizes = ['micro', 'small', 'medium', 'large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge'];
  const at = sizes.indexOf(size);
  return at < 0 ? [] : sizes.slice(at + 1)
    .map(s => `db.${family}.${s}`)
    .filter(c => instanceClassSpec(c) !== undefined);
}
