import { awscdk, javascript } from 'projen';

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
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,
  tsconfigDevFile: 'tsconfig.dev.json',

  cdkVersion: CDK_VERSION,
  constructsVersion: '10.5.1',
  jsiiVersion: '~6.0.0',

  publishToPypi: {
    distName: 'secure-lambda-postgres',
    module: 'secure_lambda_postgres',
  },
  publishToNuget: {
    dotNetNamespace: 'SecureLambdaPostgres',
    packageId: 'SecureLambdaPostgres',
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
      minify: true,
      format: 'cjs',
      sourcemap: false,
    } as javascript.BundlingOptions,
  },

  devDeps: [
    // jsii 6 compiles with TypeScript 6.0; the registry's `latest` TypeScript is 7.
    'typescript@~6.0.0',
    // The machine and CI run Node.js 20; the Lambda runtime is newer, so 20's types are the floor.
    '@types/node@^20',
    '@aws-sdk/client-secrets-manager@^3',
    '@electric-sql/pglite',
    '@electric-sql/pglite-socket',
    '@aws-sdk/rds-signer@^3',
    '@clerk/backend@^3',
    '@types/pg@^8',
    'pg@^8',
    'ts-node@^10',
    // Compliance tests: consumers run cdk-nag 3 (Validations) or 2 (Aspects); both must see zero findings.
    'cdk-nag@^3.0.2',
    'cdk-nag-v2@npm:cdk-nag@2.38.2',
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
    },
  },

  gitignore: ['cdk.out/', 'cdk.out.compliance/', '*.tsbuildinfo', '.tmp/', '/.venv-scan/'],
  githubOptions: { mergify: false },
  depsUpgrade: false,
  pullRequestTemplate: false,
});

// The handler's dependencies are bundled into its asset at build time; consumers who import the
// runtime helpers install pg and @clerk/backend themselves (see README).
project.eslint?.allowDevDeps('src/handler/**');
project.eslint?.allowDevDeps('src/runtime/**');
project.tsconfigDev.addInclude('.projenrc.ts');

// The default handler's cold start grows with its bundle: keep it within budget.
project.tasks.tryFind('bundle')!.exec('node scripts/check-bundle-size.js');

// The README's main command: synthesize the example app into cdk.out/ and summarize it.
project.addTask('example', {
  description: 'Synthesize example/app.ts into cdk.out/ and print what it creates',
  steps: [
    { spawn: 'bundle' },
    { exec: 'ts-node --project tsconfig.dev.json example/app.ts' },
    { exec: 'ts-node --project tsconfig.dev.json scripts/summarize-assembly.ts cdk.out' },
  ],
});

// cfn-lint and checkov over the templates of the compliance stacks (installs both from PyPI).
project.addTask('compliance', {
  description: 'Synthesize the compliance stacks and scan them with cfn-lint and checkov',
  steps: [
    { spawn: 'bundle' },
    { exec: 'ts-node --project tsconfig.dev.json scripts/compliance-stacks.ts cdk.out.compliance' },
    { exec: 'bash scripts/scan-templates.sh cdk.out.compliance' },
  ],
});

project.npmignore?.exclude('/scripts/', '/example/', '/.ci/', '/.tmp/', 'cdk.out/');

project.synth();
