/**
 * A platform team's project in a temporary directory: harbor-ha's packed tarball installed from the npm
 * registry's point of view (`npm pack`, then `npm install <tarball>`), next to another `@pulumi/pulumi`
 * than the one harbor-ha is developed with. Needs the npm registry (or a warm npm cache).
 */
import { execFile, execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";

export const ROOT = path.join(__dirname, "..", "..");
const run = promisify(execFile);

/**
 * The SDK the consumer installs: the newest release when this was written (3.276.0, which declares
 * Node >= 22), not harbor-ha's own devDependency, so that a second copy or a version-bound assumption shows.
 */
export const CONSUMER_PULUMI_VERSION = "3.276.0";

/** What `npm pack --json` reports for the tarball. */
export interface PackResult {
  filename: string;
  files: { path: string; size: number }[];
}

const rootPackage = () => JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));

/** The exact version harbor-ha is developed with (devDependencies, else dependencies). */
export function developedWith(name: string): string {
  const pkg = rootPackage();
  const v = pkg.devDependencies?.[name] ?? pkg.dependencies?.[name];
  if (!v) throw new Error(`${name} is not in package.json`);
  return v;
}

/** Builds dist/ when it is older than the sources (as the examples test does), then packs without scripts. */
export async function packTarball(dest: string, dryRun = false): Promise<PackResult> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  if (!require("../../bin/distFreshness").distIsFresh())
    execFileSync(
      process.execPath,
      [path.join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.build.json"],
      {
        cwd: ROOT,
        stdio: "pipe",
      },
    );
  const args = ["pack", "--ignore-scripts", "--json", "--pack-destination", dest, ...(dryRun ? ["--dry-run"] : [])];
  const { stdout } = await run("npm", args, { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 });
  return (JSON.parse(stdout) as PackResult[])[0];
}

/** A new consumer project with the tarball, the consumer's SDK and the providers harbor-ha is developed with. */
export async function installConsumer(
  extraDeps: Record<string, string> = {},
): Promise<{ dir: string; pack: PackResult }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "harbor-ha-consumer-"));
  const pack = await packTarball(dir);
  const dependencies: Record<string, string> = {
    "harbor-ha": `file:./${pack.filename}`,
    "@pulumi/pulumi": CONSUMER_PULUMI_VERSION,
    "@pulumi/aws": developedWith("@pulumi/aws"),
    "@pulumi/kubernetes": developedWith("@pulumi/kubernetes"),
    "@pulumi/random": developedWith("@pulumi/random"),
    ...extraDeps,
  };
  fs.writeFileSync(
    path.join(dir, "package.json"),
    JSON.stringify({ name: "platform-team", version: "1.0.0", private: true, dependencies }, null, 2),
  );
  // No install scripts: @pulumi/kubernetes' only asks the Pulumi CLI for its plugin (absent here).
  await run("npm", ["install", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"], {
    cwd: dir,
    maxBuffer: 64 * 1024 * 1024,
    timeout: 540_000,
  });
  for (const f of fs.readdirSync(path.join(ROOT, "test", "fixtures", "consumer")))
    fs.copyFileSync(path.join(ROOT, "test", "fixtures", "consumer", f), path.join(dir, f));
  return { dir, pack };
}

/** Runs `node <script> ...args` in the consumer directory (its working directory, as Pulumi runs programs). */
export async function runInConsumer(
  dir: string,
  script: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<{ stdout: string; stderr: string }> {
  try {
    return await run(process.execPath, [script, ...args], {
      cwd: dir,
      env: { ...process.env, ...env },
      maxBuffer: 64 * 1024 * 1024,
      timeout: 180_000,
    });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`node ${script} failed in ${dir}: ${err.stderr || err.message}`, { cause: e });
  }
}
