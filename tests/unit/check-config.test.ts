/** `pulumi preview` catches bad provider configuration: check validates it (no request), diff explains an endpoint change. */
import { check, diff, runtimeSeams, setStackConfig } from "../../provider/lifecycle";
import { ConfigurationError } from "../../provider/errors";

const inputs = { createdAtAfter: "2024-06-01", createdAtBefore: "2024-06-30", __provider: "p" };
let logs: string[];
let spies: jest.SpyInstance[];
beforeEach(() => {
  setStackConfig({});
  logs = [];
  const capture = (...a: unknown[]) => void logs.push(a.map(String).join(" "));
  spies = [
    jest.spyOn(console, "log").mockImplementation(capture),
    jest.spyOn(console, "warn").mockImplementation(capture),
  ];
});
afterEach(() => spies.forEach((s) => s.mockRestore()));

test.each([
  [
    { INTERCOM_ACCESS_TOKEN: "t", INTERCOM_REGION: "mars" },
    /intercom:region \(or INTERCOM_REGION\) must be one of us, eu, au/,
  ],
  [{ INTERCOM_ACCESS_TOKEN: "t", INTERCOM_BASE_URL: "http://example.com" }, /must use https:\/\//],
  [{ INTERCOM_ACCESS_TOKEN: "t", INTERCOM_API_VERSION: "latest" }, /intercom:apiVersion/],
])("bad configuration fails check (so preview) with the key named: %j", async (env, message) => {
  runtimeSeams.env = env;
  await expect(check({}, inputs)).rejects.toThrow(ConfigurationError);
  await expect(check({}, inputs)).rejects.toThrow(message);
});

test("a missing token does not fail preview, but says so", async () => {
  runtimeSeams.env = {};
  const res = await check({}, inputs);
  expect(res.failures).toEqual([]);
  expect(logs.join("\n")).toMatch(
    /no Intercom access token is set.*intercom:accessToken.*INTERCOM_ACCESS_TOKEN/,
  );
});

test("good configuration: check is silent", async () => {
  runtimeSeams.env = { INTERCOM_ACCESS_TOKEN: "t" };
  expect((await check({}, inputs)).failures).toEqual([]);
  expect(logs).toEqual([]);
});

test("an endpoint change is explained in the log, since it is not an input the diff can name", async () => {
  runtimeSeams.env = { INTERCOM_ACCESS_TOKEN: "t", INTERCOM_REGION: "eu" };
  const olds = {
    ...inputs,
    createdAtAfter: 1717200000,
    createdAtBefore: 1719705600,
    endpoint: "https://api.intercom.io",
    status: "completed",
  };
  const res = await diff("job1", olds, inputs);
  expect(res.replaces).toEqual(["endpoint"]);
  expect(logs.join("\n")).toMatch(
    /job1 lives on https:\/\/api\.intercom\.io but the provider now points at https:\/\/api\.eu\.intercom\.io: it will be replaced/,
  );
});
