/**
 * The provider object handed to `pulumi.dynamic.Resource`. Pulumi serializes it (with everything it captures)
 * into every resource's state as `__provider`, so it is deliberately a thin shim: each method loads the
 * package's runtime module when called, inside the provider process. It captures no token, no config, no
 * compiled validator: only the module name.
 */
import type * as pulumi from "@pulumi/pulumi";

/** Loads `pulumi-intercom-export/runtime`, or, inside this package's own checkout, its built copy. */
function loadRuntime(): { lifecycle: Required<pulumi.dynamic.ResourceProvider> } {
  const name = "pulumi-intercom-export/runtime";
  try {
    return require(name);
  } catch (e) {
    if ((e as { code?: string }).code !== "MODULE_NOT_FOUND" || !String(e).includes(name)) throw e;
  }
  // The root program, examples and tests of this repository run with the checkout as working directory, where
  // the package is not in its own node_modules.
  const path = require("path");
  const root = process.cwd();
  let own = false;
  try {
    own = require(path.join(root, "package.json")).name === "pulumi-intercom-export";
  } catch {
    own = false;
  }
  if (!own) {
    throw new Error(
      "pulumi-intercom-export is not installed in this Pulumi project (node_modules). Run `npm install " +
        "pulumi-intercom-export` in the project directory; refresh and destroy need it too.",
    );
  }
  return require(path.join(root, "dist", "provider", "runtime.js"));
}

export const contentDataExportProvider: pulumi.dynamic.ResourceProvider = {
  configure: (req) => loadRuntime().lifecycle.configure(req),
  check: (olds, news) => loadRuntime().lifecycle.check(olds, news),
  diff: (id, olds, news) => loadRuntime().lifecycle.diff(id, olds, news),
  create: (inputs) => loadRuntime().lifecycle.create(inputs),
  read: (id, props) => loadRuntime().lifecycle.read(id, props),
  update: (id, olds, news) => loadRuntime().lifecycle.update(id, olds, news),
  delete: (id, props) => loadRuntime().lifecycle.delete(id, props),
};
