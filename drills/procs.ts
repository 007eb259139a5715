/**
 * Process bookkeeping for the failover drills: every daemon a drill starts is recorded by PID and
 * stopped by PID (never by name), on normal exit, on error, on Ctrl-C and on the process's exit.
 */
import { ChildProcess, execFileSync, spawn, SpawnOptions } from "child_process";
import { chownSync, existsSync, mkdtempSync, openSync, rmSync } from "fs";
import * as net from "net";
import { tmpdir } from "os";
import { join } from "path";

export interface Daemon {
  name: string;
  proc: ChildProcess;
  pid: number;
  log: string;
}

/** Prints a progress line with the seconds since the drills started. */
const t0 = Date.now();
export function say(line: string): void {
  process.stdout.write(`[drill ${((Date.now() - t0) / 1000).toFixed(1).padStart(6)}s] ${line}\n`);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A drill stopped because its time budget ran out (not retried by `waitFor`). */
export class Abort extends Error {}

/** Polls `probe` until it returns a truthy value or `timeoutMs` passes (then throws naming `what`). */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs: number,
  everyMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await probe();
      if (v) return v as T;
    } catch (e) {
      if (e instanceof Abort) throw e;
      last = e;
    }
    await sleep(everyMs);
  }
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message ?? last}` : ""}`,
  );
}

/** A free TCP port on 127.0.0.1 (asked from the kernel, then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

export async function freePorts(n: number): Promise<number[]> {
  const out = new Set<number>();
  while (out.size < n) out.add(await freePort());
  return [...out];
}

export const SETPRIV = "/usr/bin/setpriv";

const isRoot = () => typeof process.getuid === "function" && process.getuid() === 0;

/** Which required binaries are missing (empty: the drills can run). */
export function missingBinaries(paths: string[]): string[] {
  return paths.filter((p) => !existsSync(p));
}

/**
 * A drill's sandbox: a temp dir, the daemons started in it, and cleanup that runs exactly once
 * whatever happens (also from process exit/signal hooks).
 */
export class Sandbox {
  readonly dir: string;
  private readonly daemons = new Map<number, Daemon>();
  private cleaned = false;
  private readonly cleanups: (() => void)[] = [];
  private budgetTimer?: NodeJS.Timeout;
  /** Set when the drill's time budget ran out: its daemons are killed and its loops must stop. */
  expired: string | undefined;
  private readonly onExit = () => this.cleanupSync();
  private readonly onSignal = (sig: NodeJS.Signals) => {
    this.cleanupSync();
    process.exit(sig === "SIGINT" ? 130 : 143);
  };

  constructor(
    prefix: string,
    private readonly runAs?: string,
  ) {
    this.dir = mkdtempSync(join(tmpdir(), `harbor-ha-${prefix}-`));
    if (runAs && isRoot()) execFileSync("chown", ["-R", `${runAs}:`, this.dir]);
    process.on("exit", this.onExit);
    process.on("SIGINT", this.onSignal);
    process.on("SIGTERM", this.onSignal);
    process.on("SIGHUP", this.onSignal);
  }

  /**
   * Bounds the whole drill: after `seconds` every daemon is SIGKILLed and `expired` is set, so probes
   * fail at once, `waitFor` throws and writer loops stop; the drill's `finally` then removes the dir.
   */
  budget(seconds: number): void {
    this.budgetTimer = setTimeout(() => {
      this.expired = `the drill's ${seconds} s budget ran out`;
      say(`${this.expired}: killing its daemons`);
      this.killAllSync();
    }, seconds * 1000);
    this.budgetTimer.unref();
  }

  /** `waitFor` bounded by the drill's budget: gives up when the budget runs out, whatever `timeoutMs` says. */
  waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs: number, everyMs = 250): Promise<T> {
    return waitFor(
      what,
      async () => {
        if (this.expired) throw new Abort(`${this.expired} while waiting for ${what}`);
        return probe();
      },
      timeoutMs,
      everyMs,
    );
  }

  /** Creates a subdirectory owned by the sandbox's user. */
  mkdir(name: string, mode = 0o700): string {
    const p = join(this.dir, name);
    execFileSync("mkdir", ["-p", "-m", mode.toString(8), p]);
    if (this.runAs && isRoot()) execFileSync("chown", [`${this.runAs}:`, p]);
    return p;
  }

  chown(path: string): void {
    if (this.runAs && isRoot())
      chownSync(
        path,
        Number(execFileSync("id", ["-u", this.runAs]).toString().trim()),
        Number(execFileSync("id", ["-g", this.runAs]).toString().trim()),
      );
  }

  /** Starts a daemon (as the sandbox's user when running as root), logging to <dir>/<name>.log. */
  start(name: string, cmd: string, args: string[], env: Record<string, string> = {}, opts: SpawnOptions = {}): Daemon {
    if (this.expired) throw new Abort(`${this.expired}: not starting ${name}`);
    const log = join(this.dir, `${name}.log`);
    const fd = openSync(log, "a");
    const asUser = this.runAs && isRoot();
    // setpriv execs the command (runuser forks and waits), so the PID we record is the daemon's own
    // and a SIGKILL of it is a SIGKILL of the daemon.
    const [file, argv] = asUser
      ? [SETPRIV, [`--reuid=${this.runAs}`, `--regid=${this.runAs}`, "--init-groups", cmd, ...args]]
      : [cmd, args];
    const proc = spawn(file, argv, {
      cwd: this.dir,
      env: { ...process.env, ...env },
      stdio: ["ignore", fd, fd],
      detached: true,
      ...opts,
    });
    if (!proc.pid) throw new Error(`could not start ${name} (${cmd})`);
    const d: Daemon = { name, proc, pid: proc.pid, log };
    this.daemons.set(proc.pid, d);
    proc.on("exit", () => this.daemons.delete(proc.pid!));
    return d;
  }

  /** Registers a synchronous cleanup step (e.g. killing postmasters Patroni started in their own session). */
  onCleanup(fn: () => void): void {
    this.cleanups.push(fn);
  }

  /** Sends `signal` to one PID (ignores processes already gone). */
  kill(pid: number, signal: NodeJS.Signals = "SIGKILL"): void {
    try {
      process.kill(pid, signal);
    } catch {
      /* already gone */
    }
  }

  /** Stops every daemon still running: SIGTERM, then SIGKILL of what is left after `graceMs`. */
  async stopAll(graceMs = 3000): Promise<void> {
    for (const d of this.daemons.values()) {
      this.kill(-d.pid, "SIGTERM");
      this.kill(d.pid, "SIGTERM");
    }
    const deadline = Date.now() + graceMs;
    while (this.daemons.size > 0 && Date.now() < deadline) await sleep(100);
    this.cleanupSync();
  }

  /** Synchronous last resort: SIGKILL every recorded daemon and its process group, remove the dir. */
  cleanupSync(): void {
    if (this.cleaned) return;
    this.cleaned = true;
    if (this.budgetTimer) clearTimeout(this.budgetTimer);
    this.killAllSync();
    process.off("exit", this.onExit);
    process.off("SIGINT", this.onSignal);
    process.off("SIGTERM", this.onSignal);
    process.off("SIGHUP", this.onSignal);
    if (!process.env.DRILL_KEEP) rmSync(this.dir, { recursive: true, force: true });
  }

  /** SIGKILLs every recorded daemon (and its process group) and runs the registered cleanup steps; keeps the dir (logs). */
  killAllSync(): void {
    for (const d of this.daemons.values()) {
      // Whatever a daemon forked stays in its process group (detached spawn); postmasters, which
      // Patroni starts in their own session, are killed by the cleanup steps.
      this.kill(-d.pid, "SIGKILL");
      this.kill(d.pid, "SIGKILL");
    }
    this.daemons.clear();
    // Each step runs once: a second run could hit a PID the kernel has since reused.
    for (const fn of this.cleanups.splice(0)) {
      try {
        fn();
      } catch {
        /* best effort: keep cleaning */
      }
    }
  }
}
