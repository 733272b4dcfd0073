/**
 * `PERF=<app>[,<app>…] npm run bench`: Linux `perf` samples the app (the kernel included, and V8's
 * JIT-compiled functions by name through node's `--perf-basic-prof`) during each of its rounds.
 * `node --cpu-prof` sees only JavaScript and shows a system call as one opaque frame; perf shows
 * what the kernel does inside it, which is where a part of the gap to bare Express turned out to
 * be (bench/README.md, fix 14). Software clock sampling (`cpu-clock`) works in virtual machines that
 * have no hardware counters.
 *
 * @example
 * ```ts
 * const recording = startPerfRecord(pid, 'bench/results/profiles/oidc-kit-session.round1.perf.data');
 * await load(...);
 * await recording.stop();
 * console.log(kernelSendCost(recording.file)); // { writev: 0.31, wake: 0.13 } (shares of the samples)
 * ```
 */
import { execFileSync, spawn } from 'node:child_process';

/** Fails at start, naming the variable and the fix, when `perf` cannot sample here. */
export function checkPerf(): void {
  try {
    execFileSync('perf', ['record', '-e', 'cpu-clock', '-o', '/dev/null', '--', 'true'], { stdio: 'ignore' });
  } catch {
    throw new Error('PERF=<app> needs Linux perf allowed to sample: install it (Debian: apt-get install -y linux-perf) and run as root or with kernel.perf_event_paranoid ≤ 1; or leave PERF unset.');
  }
}

/** A perf recording of one process, running until `stop()`. */
export interface PerfRecording {
  readonly file: string;
  stop(): Promise<void>;
}

/** Starts sampling `pid` (4 000 samples a second, with call graphs) into `file`. */
export function startPerfRecord(pid: number, file: string): PerfRecording {
  const child = spawn('perf', ['record', '-e', 'cpu-clock', '-F', '4000', '-g', '-o', file, '-p', String(pid)], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    file,
    // perf writes its file when interrupted, as after Ctrl-C.
    stop: async () => {
      child.kill('SIGINT');
      await exited;
    },
  };
}

/**
 * Shares of the app's samples spent sending responses: `writev` with everything under it, and
 * the part of that in `sock_def_readable`, the kernel telling the other end's reader (the load
 * generator's epoll, on the other CPU) that data has come. On loopback the sender's system call
 * delivers the packet to the receiving socket itself, so that work is charged to the app.
 */
export function kernelSendCost(file: string): { writev: number; wake: number } {
  const report = execFileSync('perf', ['report', '-i', file, '--children', '--sort', 'sym', '-g', 'none', '-q', '--stdio'], { maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'ignore'] }).toString();
  const share = (symbol: RegExp): number => {
    for (const line of report.split('\n')) {
      const match = /^\s*([\d.]+)%\s+[\d.]+%\s+\[[.k]\]\s+(\S+)/.exec(line);
      if (match !== null && symbol.test(match[2]!)) return Number(match[1]) / 100;
    }
    return 0;
  };
  return { writev: share(/^(do_writev|__x64_sys_writev)$/), wake: share(/^sock_def_readable$/) };
}
