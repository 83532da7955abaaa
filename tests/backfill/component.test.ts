/**
 * ContentDataExportBackfill under Pulumi's mocks: what the component registers (children, names, ranges,
 * options, parents) and the dependsOn chain as the engine would receive it (read off the mock monitor's
 * RegisterResource requests).
 */
import * as pulumi from "@pulumi/pulumi";
import type { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import { CONTENT_DATA_EXPORT_TYPE, ContentDataExport } from "../../provider/resource";
import { PROVIDER_MODULE_TEXT } from "../../provider/provider";
import {
  BackfillInputError,
  CONTENT_DATA_EXPORT_BACKFILL_TYPE,
  ContentDataExportBackfill,
} from "../../provider/backfill";
import { utcToday } from "../../provider/backfill/windows";

interface Registration {
  type: string;
  name: string;
  urn: string;
  parent: string;
  dependencies: string[];
  custom: boolean;
  inputs: Record<string, unknown>;
}

const registrations: Registration[] = [];

beforeAll(async () => {
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        if (args.type !== CONTENT_DATA_EXPORT_TYPE) return { id: undefined, state: {} };
        const id = `job-${args.name}`;
        return {
          id,
          state: {
            ...args.inputs,
            jobIdentifier: id,
            status: "completed",
            downloadUrl: `https://api.intercom.test/download/content/data/${id}`,
            downloadExpiresAt: "1720000000",
          },
        };
      },
      call: (args) => args.inputs,
    },
    "backfill-test",
    "test",
    false,
  );
  // Record what the engine would receive, including dependencies (the mocks API does not pass them on).
  const monitor = pulumi.runtime.getMonitor() as unknown as MockMonitor;
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = async (req, callback) => {
    const r = req as {
      getType(): string;
      getName(): string;
      getParent(): string;
      getDependenciesList(): string[];
      getCustom(): boolean;
      getObject(): { toJavaScript(): Record<string, unknown> };
    };
    await register(req, (err, response) => {
      if (!err) {
        registrations.push({
          type: r.getType(),
          name: r.getName(),
          urn: (response as { getUrn(): string }).getUrn(),
          parent: r.getParent(),
          dependencies: r.getDependenciesList(),
          custom: r.getCustom(),
          inputs: r.getObject().toJavaScript(),
        });
      }
      callback(err, response);
    });
  };
});

beforeEach(() => {
  registrations.length = 0;
});

function value<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply(resolve));
}

/** Waits until every resource of the backfill is registered; returns its registrations, in order. */
async function registered(backfill: ContentDataExportBackfill): Promise<Registration[]> {
  await value(backfill.exports);
  await value(backfill.urn);
  return registrations.filter((r) => r.type === CONTENT_DATA_EXPORT_BACKFILL_TYPE || r.parent !== "");
}

describe("ContentDataExportBackfill (mocks)", () => {
  test("one child per month, named after its month, with inclusive ranges and the options passed through", async () => {
    const backfill = new ContentDataExportBackfill("history", {
      from: "2024-01-15",
      to: "2024-04-10",
      timeoutSeconds: 7200,
      pollIntervalSeconds: 5,
      slotWaitSeconds: 60,
      cancelOnDelete: true,
      waitForCompletion: true,
    });
    const regs = await registered(backfill);
    const component = regs.find((r) => r.type === CONTENT_DATA_EXPORT_BACKFILL_TYPE)!;
    expect(component).toMatchObject({ name: "history", custom: false });
    const children = regs.filter((r) => r.type === CONTENT_DATA_EXPORT_TYPE);
    expect(children.map((c) => c.name)).toEqual([
      "history-2024-01",
      "history-2024-02",
      "history-2024-03",
      "history-2024-04",
    ]);
    expect(children.map((c) => [c.inputs.createdAtAfter, c.inputs.createdAtBefore])).toEqual([
      ["2024-01-15", "2024-01-31"],
      ["2024-02-01", "2024-02-29"],
      ["2024-03-01", "2024-03-31"],
      ["2024-04-01", "2024-04-10"],
    ]);
    for (const c of children) {
      expect(c.custom).toBe(true);
      expect(c.parent).toBe(component.urn);
      expect(c.inputs).toMatchObject({
        timeoutSeconds: 7200,
        pollIntervalSeconds: 5,
        slotWaitSeconds: 60,
        cancelOnDelete: true,
        waitForCompletion: true,
        __provider: PROVIDER_MODULE_TEXT,
      });
      // Only the ContentDataExport inputs: nothing of the backfill's own (from, to, window) leaks into a child.
      expect(c.inputs).not.toHaveProperty("from");
      expect(c.inputs).not.toHaveProperty("to");
      expect(c.inputs).not.toHaveProperty("window");
    }
    expect(backfill.children).toHaveLength(4);
    expect(backfill.children.every((c) => c instanceof ContentDataExport)).toBe(true);
  });

  test("children are chained with dependsOn: each depends on the previous one only", async () => {
    const backfill = new ContentDataExportBackfill("chain", { from: "2023-11-01", to: "2024-02-29" });
    const children = (await registered(backfill)).filter((r) => r.type === CONTENT_DATA_EXPORT_TYPE);
    expect(children).toHaveLength(4);
    expect(children[0].dependencies).toEqual([]);
    for (let i = 1; i < children.length; i++) expect(children[i].dependencies).toEqual([children[i - 1].urn]);
  });

  test("the component's own dependsOn is passed to the first child", async () => {
    const before = new ContentDataExport("single", {
      createdAtAfter: "2023-01-01",
      createdAtBefore: "2023-01-31",
    });
    const backfill = new ContentDataExportBackfill(
      "after",
      { from: "2023-02-01", to: "2023-03-31" },
      { dependsOn: [before] },
    );
    await value(before.urn);
    const children = (await registered(backfill)).filter((r) => r.type === CONTENT_DATA_EXPORT_TYPE);
    const singleUrn = registrations.find((r) => r.name === "single")!.urn;
    expect(children.map((c) => c.name)).toEqual(["after-2023-02", "after-2023-03"]);
    expect(children[0].dependencies).toEqual([singleUrn]);
    expect(children[1].dependencies).toEqual([children[0].urn]);
  });

  test("outputs: windows and, per window, the child's job, status and download", async () => {
    const backfill = new ContentDataExportBackfill("outs", {
      from: "2024-06-03",
      to: "2024-06-16",
      window: "week",
    });
    expect(backfill.windows).toEqual([
      { key: "2024-W23", start: "2024-06-03", end: "2024-06-09", days: 7 },
      { key: "2024-W24", start: "2024-06-10", end: "2024-06-16", days: 7 },
    ]);
    expect(await value(backfill.exports)).toEqual([
      {
        key: "2024-W23",
        start: "2024-06-03",
        end: "2024-06-09",
        jobIdentifier: "job-outs-2024-W23",
        status: "completed",
        downloadUrl: "https://api.intercom.test/download/content/data/job-outs-2024-W23",
        downloadExpiresAt: "1720000000",
      },
      {
        key: "2024-W24",
        start: "2024-06-10",
        end: "2024-06-16",
        jobIdentifier: "job-outs-2024-W24",
        status: "completed",
        downloadUrl: "https://api.intercom.test/download/content/data/job-outs-2024-W24",
        downloadExpiresAt: "1720000000",
      },
    ]);
  });

  test("extending the range by a month registers the same children plus one", async () => {
    const names = async (to: string, name: string) => {
      registrations.length = 0;
      const b = new ContentDataExportBackfill(name, { from: "2024-01-01", to });
      return (await registered(b))
        .filter((r) => r.type === CONTENT_DATA_EXPORT_TYPE)
        .map((r) => `${r.name.replace(name, "x")} ${r.inputs.createdAtAfter}..${r.inputs.createdAtBefore}`);
    };
    const three = await names("2024-03-31", "ext-a");
    const four = await names("2024-04-30", "ext-b");
    expect(four.slice(0, 3)).toEqual(three);
    expect(four[3]).toBe("x-2024-04 2024-04-01..2024-04-30");
  });

  test("invalid input fails at construction, naming the backfill and the field", () => {
    const construct = (args: Record<string, unknown>) => () =>
      new ContentDataExportBackfill("bad", args as never);
    expect(construct({ from: "2024-02-30", to: "2024-03-31" })).toThrow(
      /ContentDataExportBackfill 'bad': from is not a real calendar date: '2024-02-30'/,
    );
    expect(construct({ from: "2024-03-01", to: "2024-02-01" })).toThrow(
      /'bad': from \(2024-03-01\) must not be later/,
    );
    expect(construct({ from: "2024-01-01", to: "2024-02-01", window: "fortnight" })).toThrow(
      /'bad': window must be "month", "week", "day" or \{ days: N \}/,
    );
    let error: unknown;
    try {
      construct({ from: "2024-01-01" })();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(BackfillInputError);
    expect((error as BackfillInputError).property).toBe("to");
    expect(construct(undefined as never)).toThrow(/args are required/);
    expect(construct({ from: "2024-01-01", to: "2024-02-01", createdAtAfter: "2024-01-01" })).toThrow(
      /'bad': createdAtAfter is not a backfill input: use `from` and `to`/,
    );
    expect(construct({ from: "2024-01-01", to: "2024-02-01", jobIdentifier: "abc123" })).toThrow(
      /'bad': jobIdentifier is not a backfill input: one job cannot be every window's/,
    );
  });

  test("windows starting after today are refused; a last window reaching today is allowed with a warning", async () => {
    const today = utcToday();
    const [y, m] = today.split("-").map(Number);
    const nextMonth = new Date(Date.UTC(y, m, 15)).toISOString().slice(0, 10);
    const monthStart = `${today.slice(0, 7)}-01`;
    expect(() => new ContentDataExportBackfill("future", { from: monthStart, to: nextMonth })).toThrow(
      /'future': to \(.*\) is too far in the future: 1 window\(s\) would start after today/,
    );

    const warn = jest.spyOn(pulumi.log, "warn").mockImplementation(() => Promise.resolve());
    try {
      const b = new ContentDataExportBackfill("current", { from: monthStart, to: today });
      await registered(b);
      expect(warn).toHaveBeenCalledWith(
        expect.stringContaining(`window ${today.slice(0, 7)} ends today (${today})`),
        expect.anything(),
      );
    } finally {
      warn.mockRestore();
    }
  });
});
