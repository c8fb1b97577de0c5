// What `integ-runner` does not check. Its snapshot verification (`npx projen integ:verify`) diffs
// only the stacks under test: the DeployAssert stack — every assertion of test/integ.*.ts — is
// never compared, so an edited or deleted assertion still reports UNCHANGED. It could not be
// compared as is anyway: each assertion carries a `salt` (Date.now() at synth time) that forces it
// to re-run on every deployment. This test synthesizes each integration app the way integ-runner
// does (its recommended feature flags and test environment) and compares the assertion stacks and
// the test manifest with the committed snapshot, salts normalised. Requiring the apps through
// ts-jest also type-checks them (integ:verify runs them transpile-only, for speed).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

// The context and environment integ-runner synthesizes with (runner-base.ts, DEFAULT_SYNTH_OPTIONS
// and getContext(): the recommended flags it was built with, and no lookups in these tests).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const RECOMMENDED_FLAGS: Record<string, unknown> = require('@aws-cdk/integ-runner/lib/recommended-feature-flags.json');
const INTEG_RUNNER_ENV: Record<string, string> = {
  CDK_INTEG_ACCOUNT: '12345678',
  CDK_INTEG_REGION: 'test-region',
  CDK_INTEG_HOSTED_ZONE_ID: 'Z23ABC4XYZL05B',
  CDK_INTEG_HOSTED_ZONE_NAME: 'example.com',
  CDK_INTEG_DOMAIN_NAME: '*.example.com',
  CDK_INTEG_CERT_ARN: 'arn:aws:acm:test-region:12345678:certificate/86468209-a272-595d-b831-0efb6421265z',
  CDK_INTEG_SUBNET_ID: 'subnet-0dff1a399d8f6f92c',
};

const REGENERATE = 'npx integ-runner --language typescript --update-on-failed --dry-run';
const INTEG_FILES = fs.readdirSync(__dirname).filter(f => /^integ\.(?!.*\.d\.ts$).*\.ts$/.test(f)).sort();

/** Synthesizes test/<file> into a fresh directory, as `integ-runner` would, and returns it. */
function synthesize(file: string): string {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), `${file}.`));
  const saved = { ...process.env };
  Object.assign(process.env, INTEG_RUNNER_ENV, {
    CDK_OUTDIR: outdir,
    CDK_CONTEXT_JSON: JSON.stringify(RECOMMENDED_FLAGS),
  });
  try {
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      require(path.join(__dirname, file));
    });
  } finally {
    for (const key of Object.keys(process.env)) {
      if (!(key in saved)) delete process.env[key];
    }
    Object.assign(process.env, saved);
  }
  return outdir;
}

function readJson(file: string): any {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

/** The template with every assertion's `salt` replaced by a fixed marker. */
function withoutSalt(template: any): any {
  const resources = Object.fromEntries(Object.entries<any>(template.Resources ?? {}).map(([id, resource]) => {
    if (resource.Properties?.salt === undefined) return [id, resource];
    expect(resource.Properties.salt).toMatch(/^\d+$/);
    return [id, { ...resource, Properties: { ...resource.Properties, salt: '<salt>' } }];
  }));
  return { ...template, Resources: resources };
}

test('every integration test has a committed snapshot', () => {
  expect(INTEG_FILES).toEqual(['integ.default.ts', 'integ.options.ts']);
  for (const file of INTEG_FILES) {
    expect(fs.existsSync(path.join(__dirname, `${file}.snapshot`, 'integ.json'))).toBe(true);
  }
});

describe.each(INTEG_FILES)('%s', (file) => {
  const snapshotDir = path.join(__dirname, `${file}.snapshot`);
  let outdir: string;

  beforeAll(() => {
    outdir = synthesize(file);
  });
  afterAll(() => {
    if (outdir) fs.rmSync(outdir, { recursive: true, force: true });
  });

  test('test cases and their options match the snapshot', () => {
    expect(readJson(path.join(outdir, 'integ.json'))).toEqual(readJson(path.join(snapshotDir, 'integ.json')));
  });

  test(`assertion stacks match the snapshot (regenerate on purpose with: ${REGENERATE})`, () => {
    const manifest = readJson(path.join(snapshotDir, 'integ.json'));
    const assertionStacks = Object.values<any>(manifest.testCases).map(testCase => testCase.assertionStackName as string);
    expect(assertionStacks.length).toBeGreaterThan(0);
    for (const stack of assertionStacks) {
      const actual = withoutSalt(readJson(path.join(outdir, `${stack}.template.json`)));
      const expected = withoutSalt(readJson(path.join(snapshotDir, `${stack}.template.json`)));
      // toEqual prints the differing assertion on failure.
      expect({ [stack]: actual }).toEqual({ [stack]: expected });
    }
  });
});
