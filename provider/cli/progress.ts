/**
 * Download progress for people: a live bar (bytes, percentage when the size is known, rate) on a terminal,
 * plain lines otherwise (CI logs, pipes), at most one every `intervalMs`.
 */
import * as cliProgress from "cli-progress";
import type { DownloadProgress } from "../download/download";
import { formatBytes, formatDuration, formatRate } from "./format";

export interface ProgressReporter {
  onProgress(p: DownloadProgress): void;
  /** Ends the display: the bar is stopped; with `finished` (default) a last line says how it went. */
  done(finished?: boolean): void;
}

export type ProgressMode = "bar" | "lines" | "none";

interface PhaseState {
  phase: DownloadProgress["phase"];
  attempt: number;
  startedAt: number;
  bytes: number;
  total?: number;
  file?: string;
}

const rate = (s: PhaseState, now: number) => s.bytes / Math.max(0.001, (now - s.startedAt) / 1000);

export function progressReporter(
  out: NodeJS.WritableStream,
  mode: ProgressMode,
  o: { intervalMs?: number; now?: () => number } = {},
): ProgressReporter {
  if (mode === "none") return { onProgress: () => undefined, done: () => undefined };
  const now = o.now ?? Date.now;
  return mode === "bar" ? barReporter(out, now) : lineReporter(out, now, o.intervalMs ?? 2000);
}

function describe(s: PhaseState, t: number): string {
  const of = s.total ? ` of ${formatBytes(s.total)} (${Math.floor((100 * s.bytes) / s.total)}%)` : "";
  return `${formatBytes(s.bytes)}${of}, ${formatRate(rate(s, t))}`;
}

function finished(s: PhaseState, t: number): string {
  return `${formatBytes(s.bytes)} in ${formatDuration(t - s.startedAt)} (${formatRate(rate(s, t))})`;
}

function lineReporter(out: NodeJS.WritableStream, now: () => number, intervalMs: number): ProgressReporter {
  let state: PhaseState | undefined;
  let lastLine = 0;
  const write = (line: string) => out.write(`${line}\n`);
  const close = () => {
    if (state) write(`${state.phase}: ${finished(state, now())}`);
  };
  return {
    onProgress(p) {
      const t = now();
      if (!state || state.phase !== p.phase || state.attempt !== p.attempt) {
        if (state && p.attempt !== state.attempt) write(`download: starting over (attempt ${p.attempt})`);
        else close();
        state = { phase: p.phase, attempt: p.attempt, startedAt: t, bytes: 0, total: p.totalBytes };
        lastLine = t;
        if (p.phase === "download") {
          write(`download: receiving${p.totalBytes ? ` ${formatBytes(p.totalBytes)}` : ""}`);
        }
      }
      state.bytes = p.bytes;
      state.total = p.totalBytes;
      if (p.phase === "unpack" && p.file && p.file !== state.file) {
        state.file = p.file;
        write(`unpack: ${p.file}`);
      }
      if (t - lastLine >= intervalMs) {
        lastLine = t;
        write(`${p.phase}: ${describe(state, t)}`);
      }
    },
    done(complete = true) {
      if (complete) close();
      state = undefined;
    },
  };
}

function barReporter(out: NodeJS.WritableStream, now: () => number): ProgressReporter {
  let state: PhaseState | undefined;
  let bar: cliProgress.SingleBar | undefined;
  const format = (
    _o: cliProgress.Options,
    params: cliProgress.Params,
    payload: { label: string; text: string },
  ) => {
    const width = 30;
    const known = state?.total !== undefined && state.total > 0;
    const filled = Math.round(Math.min(1, params.progress) * width);
    const gauge = known ? `[${"█".repeat(filled)}${"░".repeat(width - filled)}] ` : "";
    return `${payload.label} ${gauge}${payload.text}`;
  };
  const stop = (complete = true) => {
    if (complete && bar && state) bar.update({ text: finished(state, now()) });
    bar?.stop();
    bar = undefined;
  };
  const label = (s: PhaseState) => (s.phase === "download" ? "download" : `unpack ${s.file ?? ""}`.trimEnd());
  return {
    onProgress(p) {
      const t = now();
      if (
        !state ||
        state.phase !== p.phase ||
        state.attempt !== p.attempt ||
        (p.file && p.file !== state.file)
      ) {
        const sameUnpack = state?.phase === "unpack" && p.phase === "unpack" && state.attempt === p.attempt;
        if (!sameUnpack) {
          stop();
          state = {
            phase: p.phase,
            attempt: p.attempt,
            startedAt: t,
            bytes: 0,
            total: p.totalBytes,
            file: p.file,
          };
          bar = new cliProgress.SingleBar({
            stream: out as NodeJS.WriteStream,
            format,
            hideCursor: true,
            clearOnComplete: false,
            fps: 8,
          });
          bar.start(p.totalBytes ?? 1, 0, { label: label(state), text: "" });
        }
        state!.file = p.file;
      }
      const s = state!;
      s.bytes = p.bytes;
      s.total = p.totalBytes;
      bar?.update(s.total ? Math.min(p.bytes, s.total) : 0, { label: label(s), text: describe(s, t) });
    },
    done(complete = true) {
      stop(complete);
      state = undefined;
    },
  };
}
