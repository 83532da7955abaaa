/**
 * What Pulumi stores in state as `__provider` for every ContentDataExport, and the provider object behind it.
 *
 * A dynamic resource normally gets `__provider` from Pulumi's closure serializer, which copies every function
 * and value the provider reaches into state (3.4 KB for even a thin shim, and a stale copy of the code that
 * refresh/destroy keep running after an upgrade). We store a fixed module instead: it loads this package's
 * runtime from the project's node_modules when the provider process needs it. It holds no token, no config and
 * no code of ours, so state stays small and refresh/destroy always run the installed version.
 */
import { lifecycle } from "./runtime";

/**
 * The module text the dynamic-provider process loads (`requireFromString(text).handler()`), from the Pulumi
 * project directory (its working directory, which is the directory of the program's `main`). Inside this
 * package's own checkout (the root program, tests) the package is not in its own node_modules, so the build in
 * ./dist of the nearest enclosing checkout (up to 3 levels up) is used.
 */
export function loaderModuleText(exportName: "lifecycle" | "downloadLifecycle"): string {
  return `exports.handler = function () {
  var name = "pulumi-intercom-export/runtime", path = require("path"), dir = process.cwd(), pkg;
  try { return require(name).${exportName}; } catch (e) {
    if (e.code !== "MODULE_NOT_FOUND" || String(e.message).indexOf(name) < 0) throw e;
  }
  for (var up = 0; up < 4; up++, dir = path.dirname(dir)) {
    try { pkg = require(path.join(dir, "package.json")); } catch (e) { pkg = null; }
    if (pkg && pkg.name === "pulumi-intercom-export") return require(path.join(dir, "dist/provider/runtime.js")).${exportName};
  }
  throw new Error("pulumi-intercom-export is not installed in this Pulumi project: run 'npm install pulumi-intercom-export' (refresh and destroy need it too)");
};
`;
}

/** The `__provider` of every ContentDataExport. */
export const PROVIDER_MODULE_TEXT = loaderModuleText("lifecycle");

/** The provider object (check/diff/create/read/update/delete/configure), as the runtime exposes it. For tests. */
export const contentDataExportProvider = lifecycle;
