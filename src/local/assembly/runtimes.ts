/** The Lambda runtimes the local stack runs, by family: how it starts them differs, not their contract. */
export type RuntimeFamily = 'nodejs' | 'python' | 'provided' | 'java';

/** The family of a Lambda runtime identifier (`nodejs22.x`, `python3.13`, `provided.al2023`, `java21`), or undefined. */
export function runtimeFamily(runtime: string): RuntimeFamily | undefined {
  if (/^nodejs\d+\.x$/.test(runtime)) return 'nodejs';
  if (/^python3\.\d+$/.test(runtime)) return 'python';
  if (/^provided(\.al2|\.al2023)?$/.test(runtime)) return 'provided';
  if (/^java\d+(\.al2)?$/.test(runtime)) return 'java';
  return undefined;
}

/** Why a runtime the local stack does not run is refused: one line saying what runs instead. */
export function refusedRuntime(runtime: string): string {
  const what = runtime === '' ? 'a container image (PackageType Image), which needs Docker; the local stack runs no containers'
    : /^dotnet/.test(runtime) ? `${runtime}; .NET needs its SDK, which the local stack does not start`
      : `${runtime}, which the local stack does not start`;
  return `the function's runtime is ${what}. It runs nodejs*.x, python3.*, provided.al2023 / provided.al2 (the asset's bootstrap, e.g. Go or Rust) and java* functions`;
}
