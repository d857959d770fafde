/** This package's version, for the User-Agent header. Read by package name so it works from source and from dist. */
export function packageVersion(): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require("pulumi-soda-cloud/package.json") as { version: string }).version;
}
