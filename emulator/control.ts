/**
 * HTTP control API under `/__emulator/`, for tests and scripts in other processes. No auth; never logged in
 * `requests`. Every answer is JSON.
 *
 *   GET    /__emulator/requests            API request log
 *   DELETE /__emulator/requests            clear it
 *   GET    /__emulator/config              current options
 *   POST   /__emulator/config              partial options {pendingMs: 50, ...}; answers the new options
 *   GET    /__emulator/faults              queued faults per route
 *   POST   /__emulator/faults              {route, faults: [...]}
 *   GET    /__emulator/jobs                all jobs
 *   POST   /__emulator/jobs                {created_at_after, created_at_before}: a job started outside the API
 *   POST   /__emulator/jobs/{id}/expire    its download lifetime runs out
 *   POST   /__emulator/jobs/{id}/forget    the API forgets it (404 from now on)
 *   POST   /__emulator/reset               back to the start state
 */
import type { ExportRange } from "./data";
import { parseFaults } from "./faults";
import { optionsToJson, validateOptionUpdate } from "./options";
import { jsonReply, type Reply } from "./responses";
import type { Emulator } from "./server";

const decode = (segment: string): string => {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
};

const problem = (status: number, message: string): Reply => jsonReply(status, { error: message });

function parseJson(raw: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: raw.trim() === "" ? {} : JSON.parse(raw) };
  } catch {
    return { ok: false };
  }
}

/** `path` is what follows `/__emulator`, e.g. `/jobs/abc/expire`. */
export function handleControl(method: string, path: string, rawBody: string, emulator: Emulator): Reply {
  const parsed = parseJson(rawBody);
  if (!parsed.ok) return problem(400, "body is not valid JSON");
  const body = parsed.value;
  const route = `${method} ${path.replace(/\/+$/, "")}`;

  switch (route) {
    case "GET /requests":
      return jsonReply(200, emulator.requests);
    case "DELETE /requests":
      emulator.clearRequests();
      return jsonReply(200, { cleared: true });
    case "GET /config":
      return jsonReply(200, optionsToJson(emulator.options));
    case "POST /config": {
      const checked = validateOptionUpdate(body);
      if (!checked.ok) return problem(400, checked.problems.join("; "));
      emulator.configure(checked.update);
      return jsonReply(200, optionsToJson(emulator.options));
    }
    case "GET /faults":
      return jsonReply(200, emulator.pendingFaults());
    case "POST /faults": {
      const faults = parseFaults(body);
      if (typeof faults === "string") return problem(400, faults);
      emulator.injectFaults(faults.route, faults.faults);
      return jsonReply(200, { route: faults.route, queued: emulator.pendingFaults()[faults.route].length });
    }
    case "GET /jobs":
      return jsonReply(200, emulator.listJobs());
    case "POST /jobs": {
      const range = body as Partial<ExportRange>;
      try {
        return jsonReply(200, emulator.createJobDirectly(range as ExportRange));
      } catch (err) {
        return problem(400, (err as Error).message);
      }
    }
    case "POST /reset":
      emulator.reset();
      return jsonReply(200, { reset: true });
  }

  const jobAction = /^POST \/jobs\/([^/]+)\/(expire|forget)$/.exec(route);
  if (jobAction) {
    const id = decode(jobAction[1]);
    if (jobAction[2] === "expire") {
      const job = emulator.expireJob(id);
      return job ? jsonReply(200, job) : problem(404, `no job ${id}`);
    }
    return emulator.forgetJob(id) ? jsonReply(200, { forgotten: id }) : problem(404, `no job ${id}`);
  }
  const job = /^GET \/jobs\/([^/]+)$/.exec(route);
  if (job) {
    const found = emulator.getJob(decode(job[1]));
    return found ? jsonReply(200, found) : problem(404, `no job ${job[1]}`);
  }
  return problem(404, `unknown control route ${route}`);
}
