/**
 * Lets an example inside this repository `import "pulumi-intercom-export"` without installing it: links
 * `examples/<name>/node_modules/pulumi-intercom-export` to the repository root, as `npm install` of the
 * `file:../..` dependency does by default. The package then resolves to the build in ./dist, and
 * `@pulumi/pulumi` to the repository's own copy (one copy for the program and the package).
 */
import * as fs from "fs";
import * as path from "path";

export const REPO_ROOT = path.resolve(__dirname, "..", "..");

/** Throws unless `npm run build` has produced the package (including the backfill component). */
export function requireBuild(): void {
  const marker = path.join(REPO_ROOT, "dist", "provider", "backfill", "component.js");
  if (!fs.existsSync(marker)) {
    throw new Error(
      `the package is not built (${path.relative(REPO_ROOT, marker)} is missing): run npm run build`,
    );
  }
}

export function linkPackageInto(exampleDir: string): void {
  const nodeModules = path.join(exampleDir, "node_modules");
  const link = path.join(nodeModules, "pulumi-intercom-export");
  const where = path.relative(REPO_ROOT, exampleDir);
  if (fs.existsSync(path.join(nodeModules, "@pulumi", "pulumi"))) {
    throw new Error(
      `${where}/node_modules holds its own @pulumi/pulumi (an npm install of the example); the in-repo tests run the ` +
        `example with the repository's copy: remove ${where}/node_modules to run them`,
    );
  }
  let stat: fs.Stats | undefined;
  try {
    stat = fs.lstatSync(link);
  } catch {
    stat = undefined;
  }
  if (stat) {
    if (stat.isSymbolicLink() && fs.realpathSync(link) === fs.realpathSync(REPO_ROOT)) return;
    throw new Error(
      `${where}/node_modules/pulumi-intercom-export is not a link to this repository: remove it`,
    );
  }
  fs.mkdirSync(nodeModules, { recursive: true });
  try {
    fs.symlinkSync(path.relative(nodeModules, REPO_ROOT), link, "dir");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
  }
}
