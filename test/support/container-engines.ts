/**
 * Real container engines for the container tests: containerd and dockerd started by the test
 * itself, each with its own state directories under one temporary directory, its own socket and
 * pid — never the host's engines — and removed afterwards. Where an engine cannot start here,
 * `start` says why, so the tests can skip loudly.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);
const BUSYBOX = '/bin/busybox';
const APPLETS = ['sh', 'nc', 'head', 'sleep', 'cat'];
export const TEST_IMAGE = 'netscope-test/busybox:1';

/** A daemon the tests started, with the log it wrote (for the skip reason when it fails). */
interface Daemon {
  child: ChildProcess;
  log: string;
}

export class ContainerEngines {
  readonly directory = mkdtempSync(path.join(tmpdir(), 'netscope-engines-'));
  /** A busybox root file system, for `ctr run --rootfs` and `docker import`. */
  readonly rootfs = path.join(this.directory, 'rootfs');
  readonly containerdSocket = path.join(this.directory, 'containerd.sock');
  readonly dockerSocket = path.join(this.directory, 'docker.sock');
  private containerd: Daemon | null = null;
  private dockerd: Daemon | null = null;
  /** Why containerd (and with it docker) is not available; null when it runs. */
  containerdProblem: string | null = null;
  dockerProblem: string | null = null;

  /** Starts containerd, then dockerd on top of it, and imports the busybox image into docker. */
  async start(): Promise<void> {
    this.makeRootfs();
    this.containerdProblem = await this.startContainerd();
    if (this.containerdProblem !== null) {
      this.dockerProblem = `needs containerd, which did not start: ${this.containerdProblem}`;
      return;
    }
    this.dockerProblem = await this.startDockerd();
  }

  /** `docker …` against the test's own daemon. */
  async docker(...args: string[]): Promise<string> {
    const { stdout } = await run('docker', ['-H', `unix://${this.dockerSocket}`, ...args], { env: dockerClientEnv() });
    return stdout.trim();
  }

  /** `ctr -n NAMESPACE …` against the test's own containerd. */
  async ctr(namespace: string, ...args: string[]): Promise<string> {
    const { stdout } = await run('ctr', ['--address', this.containerdSocket, '-n', namespace, ...args]);
    return stdout.trim();
  }

  /** Stops every container, both daemons, and removes everything they wrote. */
  async stop(): Promise<void> {
    if (this.dockerd !== null) {
      await this.docker('rm', '-f', ...(await this.docker('ps', '-aq')).split('\n').filter(Boolean)).catch(() => undefined);
      await stopDaemon(this.dockerd.child);
    }
    if (this.containerd !== null) {
      for (const namespace of (await this.ctr('default', 'namespaces', 'ls', '-q').catch(() => '')).split('\n').filter(Boolean)) {
        for (const id of (await this.ctr(namespace, 'tasks', 'ls', '-q').catch(() => '')).split('\n').filter(Boolean)) {
          await this.ctr(namespace, 'tasks', 'kill', '-s', 'SIGKILL', id).catch(() => undefined);
          await this.ctr(namespace, 'tasks', 'rm', '-f', id).catch(() => undefined);
        }
        for (const id of (await this.ctr(namespace, 'containers', 'ls', '-q').catch(() => '')).split('\n').filter(Boolean)) {
          await this.ctr(namespace, 'containers', 'rm', id).catch(() => undefined);
        }
      }
      await stopDaemon(this.containerd.child);
    }
    unmountBelow(this.directory);
    rmSync(this.directory, { recursive: true, force: true });
  }

  private makeRootfs(): void {
    const bin = path.join(this.rootfs, 'bin');
    mkdirSync(bin, { recursive: true });
    for (const dir of ['proc', 'sys', 'dev', 'etc', 'tmp']) mkdirSync(path.join(this.rootfs, dir), { recursive: true });
    cpSync(BUSYBOX, path.join(bin, 'busybox'));
    chmodSync(path.join(bin, 'busybox'), 0o755);
    for (const applet of APPLETS) symlinkSync('busybox', path.join(bin, applet));
  }

  private async startContainerd(): Promise<string | null> {
    if (!existsSync(BUSYBOX)) return `${BUSYBOX} is missing (apt-get install busybox-static)`;
    const config = path.join(this.directory, 'containerd.toml');
    // An empty config: the host's /etc/containerd/config.toml is not the test's business.
    writeFileSync(config, 'version = 2\n');
    this.containerd = startDaemon('containerd', [
      '--config', config,
      '--root', path.join(this.directory, 'containerd-root'),
      '--state', path.join(this.directory, 'containerd-state'),
      '--address', this.containerdSocket,
    ]);
    return waitUntilAnswers(this.containerd, () => this.ctr('default', 'version'));
  }

  private async startDockerd(): Promise<string | null> {
    this.dockerd = startDaemon('dockerd', [
      '--iptables=false',
      '--ip6tables=false',
      '--bridge=none',
      '--storage-driver=vfs',
      '--data-root', path.join(this.directory, 'docker-root'),
      '--exec-root', path.join(this.directory, 'docker-exec'),
      '--pidfile', path.join(this.directory, 'docker.pid'),
      '--host', `unix://${this.dockerSocket}`,
      '--containerd', this.containerdSocket,
    ]);
    const problem = await waitUntilAnswers(this.dockerd, () => this.docker('version', '--format', '{{.Server.Version}}'));
    if (problem !== null) return problem;
    const tarball = path.join(this.directory, 'rootfs.tar');
    await run('tar', ['-C', this.rootfs, '-cf', tarball, '.']);
    await this.docker('import', tarball, TEST_IMAGE);
    return null;
  }
}

/** The docker CLI on PATH may be newer than Debian's daemon: let it negotiate down. */
function dockerClientEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.DOCKER_HOST;
  delete env.DOCKER_API_VERSION;
  return env;
}

function startDaemon(command: string, args: string[]): Daemon {
  const daemon: Daemon = { child: spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] }), log: '' };
  const keep = (chunk: Buffer) => (daemon.log = (daemon.log + chunk.toString()).slice(-4000));
  daemon.child.stdout!.on('data', keep);
  daemon.child.stderr!.on('data', keep);
  daemon.child.on('error', (error) => keep(Buffer.from(`${command}: ${error.message}\n`)));
  return daemon;
}

/** Polls until the daemon answers; on failure, the reason with the last line it logged. */
async function waitUntilAnswers(daemon: Daemon, probe: () => Promise<unknown>, timeoutMs = 30_000): Promise<string | null> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (daemon.child.exitCode !== null || daemon.child.signalCode !== null) break;
    if (await probe().then(() => true, () => false)) return null;
    await sleep(200);
  }
  const lastLine = daemon.log.trim().split('\n').at(-1) ?? 'no output';
  return `${daemon.child.spawnfile} did not start within ${timeoutMs} ms: ${lastLine}`;
}

async function stopDaemon(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const killed = await Promise.race([exited.then(() => true), sleep(15_000).then(() => false)]);
  if (!killed) {
    child.kill('SIGKILL');
    await exited;
  }
}

/** Unmounts what the daemons left mounted under `directory` (shm, overlay, bind mounts), deepest first. */
function unmountBelow(directory: string): void {
  const mounts = readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[1]?.replace(/\\040/g, ' '))
    .filter((mountPoint): mountPoint is string => mountPoint !== undefined && mountPoint.startsWith(`${directory}/`))
    .sort((a, b) => b.length - a.length);
  for (const mountPoint of mounts) {
    try {
      // -l: a daemon killed mid-teardown may leave a busy mount; detach it lazily.
      execFileSync('umount', ['-l', mountPoint], { stdio: 'ignore' });
    } catch {
      // already gone
    }
  }
}
