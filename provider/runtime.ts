/**
 * The entry point Pulumi's dynamic-provider process loads at run time (through the small serialized shim in
 * ./provider.ts). Keeping the real code here, rather than in the serialized closure, keeps `__provider` in
 * state tiny and means refresh/destroy run the installed version of this package, not a stale copy in state.
 */
import type * as pulumi from "@pulumi/pulumi";
import { check, configure, create, del, diff, read, update } from "./lifecycle";

export const lifecycle: pulumi.dynamic.ResourceProvider = {
  configure,
  check,
  diff,
  create,
  read,
  update,
  delete: del,
};

/** ContentDataExportDownload's provider object (loaded by the fixed module text in ./download/resource.ts). */
export { downloadLifecycle } from "./download/lifecycle";
