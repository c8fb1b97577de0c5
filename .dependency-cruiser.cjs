// The layers of the code base, enforced in the lint step (npx projen eslint runs depcruise).
// Arrows point down: cli/main → local commands → stack / replica → services → assembly, platform;
// constructs never reach the local stack, the CLI or the cost command; runtime code that runs in
// Lambda never reaches constructs or aws-cdk-lib.
const CONSTRUCTS = '^src/(database|monitoring|capacity|private)/|^src/(bastion|egress|endpoints|function|network|api-options|secure-lambda-postgres|secure-lambda-postgres-props|index)[.]ts$';

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', comment: 'An import cycle: split the shared part into a module both import.', from: {}, to: { circular: true } },
    { name: 'constructs-stay-out-of-tools', severity: 'error', comment: 'Constructs must not import the local stack, the CLI or the cost command.', from: { path: CONSTRUCTS }, to: { path: '^src/(local|cli|cost)/' } },
    { name: 'runtime-without-cdk', severity: 'error', comment: 'Handler and runtime code runs in Lambda: no constructs, no aws-cdk-lib (the generated *-function.ts constructs aside).', from: { path: '^src/(runtime|handler|migrations)/', pathNot: '-function[.]ts$' }, to: { path: [CONSTRUCTS, 'node_modules/aws-cdk-lib/', 'node_modules/constructs/'] } },
    { name: 'local-without-constructs', severity: 'error', comment: 'The local stack reads templates through the contract, never the constructs.', from: { path: '^src/local/' }, to: { path: CONSTRUCTS } },
    { name: 'cli-is-the-top', severity: 'error', comment: 'Only the CLI entry imports src/cli.', from: { pathNot: '^src/cli/' }, to: { path: '^src/cli/' } },
    { name: 'local-commands-on-top', severity: 'error', comment: 'Only the CLI and other commands import src/local/commands.', from: { path: '^src/local/', pathNot: '^src/local/commands/' }, to: { path: '^src/local/commands/' } },
    { name: 'stack-below-commands', severity: 'error', comment: 'The replica builds on the stack, not the other way round.', from: { path: '^src/local/stack/' }, to: { path: '^src/local/replica/' } },
    { name: 'services-below-stack', severity: 'error', comment: 'An AWS service stand-in does not know the stack that wires it, nor the replica.', from: { path: '^src/local/services/' }, to: { path: '^src/local/(stack|replica|commands)/' } },
    { name: 'platform-at-the-bottom', severity: 'error', comment: 'Processes, namespaces, packet filters, probes and TLS know no service.', from: { path: '^src/local/platform/' }, to: { path: '^src/local/(services|stack|replica|commands|assembly)/' } },
    { name: 'assembly-is-pure', severity: 'error', comment: 'The template reader starts no process and knows no service.', from: { path: '^src/local/assembly/' }, to: { path: '^src/local/(services|stack|replica|commands|platform)/' } },
    { name: 'scripts-without-tests', severity: 'error', comment: 'Scripts must not import test code.', from: { path: '^scripts/' }, to: { path: '^test/' } },
  ],
  options: {
    doNotFollow: { path: ['node_modules', '^test/'] },
    exclude: { path: '[.]generated[.]json$' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.dev.json' },
  },
};
