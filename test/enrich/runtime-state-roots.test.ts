import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { hostPaths, type HostPaths } from '../../src/probes/host-paths.js';
import type { RuntimeStateRoots } from '../../src/enrich/runtime-state.js';
import { runtimeStateRoots } from '../../src/enrich/runtime-state-roots.js';

const workDir = mkdtempSync(join(tmpdir(), 'nstest-state-roots-'));
after(() => rmSync(workDir, { recursive: true, force: true }));

interface FakeHost {
  paths: HostPaths;
  /** A process as /proc shows it: comm with its newline, cmdline NUL-terminated. */
  writeProcess(pid: number, comm: string, argv: string[]): void;
  /** A file at its path on the host. */
  writeFile(hostPath: string, text: string): void;
}

let hostCount = 0;
function fakeHost(): FakeHost {
  const root = join(workDir, `host-${++hostCount}`);
  const paths = hostPaths(root);
  mkdirSync(paths.proc, { recursive: true });
  const writeFile = (path: string, text: string) => {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  };
  return {
    paths,
    writeProcess(pid, comm, argv) {
      writeFile(join(paths.proc, String(pid), 'comm'), `${comm}\n`);
      writeFile(join(paths.proc, String(pid), 'cmdline'), argv.map((argument) => `${argument}\0`).join(''));
    },
    writeFile: (hostPath, text) => writeFile(join(root, hostPath), text),
  };
}

/** The roots expected: those given, under the host root, before the defaults. */
function rootsUnder(paths: HostPaths, discovered: Partial<RuntimeStateRoots> = {}): RuntimeStateRoots {
  const under = (dirs: string[]) => dirs.map((dir) => join(paths.root, dir));
  return {
    docker: under([...(discovered.docker ?? []), '/var/lib/docker']),
    containerd: under([...(discovered.containerd ?? []), '/run/containerd', '/run/docker/containerd/daemon']),
    containersStorage: under([...(discovered.containersStorage ?? []), '/run/containers/storage', '/var/lib/containers/storage']),
  };
}

/** containerd 1.7's generated config, trimmed: `state` appears only inside tables. */
const CONTAINERD_CONFIG_TABLES = `disabled_plugins = []
imports = []
oom_score = 0
required_plugins = []
root = "/var/lib/containerd"
version = 2

[grpc]
  address = "/run/containerd/containerd.sock"

[plugins."io.containerd.internal.v1.opt"]
  path = "/opt/containerd"

[plugins."io.containerd.runtime.v2.task"]
  state = "/run/elsewhere"
`;

describe('runtimeStateRoots', () => {
  it('the defaults alone, under the host root, when no runtime daemon runs', () => {
    const host = fakeHost();
    host.writeProcess(1, 'systemd', ['/sbin/init', 'splash']);
    // Named otherwise: its flags are not a daemon's, whatever they say.
    host.writeProcess(812, 'dockerd-wrapper', ['/usr/local/bin/dockerd-wrapper', '--data-root', '/srv/docker']);
    assert.deepEqual(runtimeStateRoots(host.paths), rootsUnder(host.paths));
  });

  it('the defaults when there is no /proc at all', () => {
    const paths = hostPaths(join(workDir, 'no-such-host'));
    assert.deepEqual(runtimeStateRoots(paths), rootsUnder(paths));
  });

  it('dockerd --data-root DIR, first', () => {
    const host = fakeHost();
    host.writeProcess(812, 'dockerd', ['/usr/bin/dockerd', '-H', 'fd://', '--data-root', '/srv/docker', '--containerd=/run/containerd/containerd.sock']);
    assert.deepEqual(runtimeStateRoots(host.paths), rootsUnder(host.paths, { docker: ['/srv/docker'] }));
  });

  it('dockerd --data-root=DIR', () => {
    const host = fakeHost();
    host.writeProcess(812, 'dockerd', ['/usr/bin/dockerd', '--data-root=/mnt/disk2/docker']);
    assert.deepEqual(runtimeStateRoots(host.paths), rootsUnder(host.paths, { docker: ['/mnt/disk2/docker'] }));
  });

  it('dockerd -g DIR, the old spelling', () => {
    const host = fakeHost();
    host.writeProcess(812, 'dockerd', ['/usr/bin/dockerd', '-g', '/srv/docker']);
    assert.deepEqual(runtimeStateRoots(host.paths), rootsUnder(host.paths, { docker: ['/srv/docker'] }));
  });

  it('data-root from /etc/docker/daemon.json, or from --config-file, on the host', () => {
    const defaultConfig = fakeHost();
    defaultConfig.writeProcess(812, 'dockerd', ['/usr/bin/dockerd', '-H', 'fd://']);
    defaultConfig.writeFile('/etc/docker/daemon.json', JSON.stringify({ 'data-root': '/srv/docker', 'log-driver': 'json-file' }));
    assert.deepEqual(runtimeStateRoots(defaultConfig.paths), rootsUnder(defaultConfig.paths, { docker: ['/srv/docker'] }));

    const otherConfig = fakeHost();
    otherConfig.writeProcess(812, 'dockerd', ['/usr/bin/dockerd', '--config-file', '/etc/docker/big-disk.json']);
    otherConfig.writeFile('/etc/docker/daemon.json', JSON.stringify({ 'data-root': '/not/this/one' }));
    otherConfig.writeFile('/etc/docker/big-disk.json', JSON.stringify({ 'data-root': '/mnt/disk2/docker' }));
    assert.deepEqual(runtimeStateRoots(otherConfig.paths), rootsUnder(otherConfig.paths, { docker: ['/mnt/disk2/docker'] }));
  });

  it('the --data-root flag outranks daemon.json', () => {
    const host = fakeHost();
    host.writeProcess(812, 'dockerd', ['/usr/bin/dockerd', '--data-root', '/srv/docker']);
    host.writeFile('/etc/docker/daemon.json', JSON.stringify({ 'data-root': '/not/this/one' }));
    assert.deepEqual(runtimeStateRoots(host.paths), rootsUnder(host.paths, { docker: ['/srv/docker'] }));
  });

  it('containerd --state DIR and --state=DIR', () => {
    const spaced = fakeHost();
    spaced.writeProcess(640, 'containerd', ['/usr/bin/containerd', '--state', '/run/k3s/containerd', '--root', '/var/lib/k3s']);
    assert.deepEqual(runtimeStateRoots(spaced.paths), rootsUnder(spaced.paths, { containerd: ['/run/k3s/containerd'] }));

    const joined = fakeHost();
    joined.writeProcess(640, 'containerd', ['/usr/bin/containerd', '--state=/run/k3s/containerd']);
    assert.deepEqual(runtimeStateRoots(joined.paths), rootsUnder(joined.paths, { containerd: ['/run/k3s/containerd'] }));
  });

  it('containerd: a top-level state in config.toml (default, --config or -c)', () => {
    const topLevelState = `version = 2\nroot = "/var/lib/containerd"\nstate = "/run/custom/containerd"\n\n${CONTAINERD_CONFIG_TABLES.split('version = 2\n')[1]}`;
    for (const [argv, configPath] of [
      [['/usr/bin/containerd'], '/etc/containerd/config.toml'],
      [['/usr/bin/containerd', '--config', '/etc/k8s/containerd.toml'], '/etc/k8s/containerd.toml'],
      [['/usr/bin/containerd', '-c', '/etc/k8s/containerd.toml'], '/etc/k8s/containerd.toml'],
    ] as const) {
      const host = fakeHost();
      host.writeProcess(640, 'containerd', [...argv]);
      host.writeFile(configPath, topLevelState);
      assert.deepEqual(runtimeStateRoots(host.paths), rootsUnder(host.paths, { containerd: ['/run/custom/containerd'] }), argv.join(' '));
    }
  });

  it('containerd: a state key inside a [table] is not the daemon state', () => {
    const host = fakeHost();
    host.writeProcess(640, 'containerd', ['/usr/bin/containerd']);
    host.writeFile('/etc/containerd/config.toml', CONTAINERD_CONFIG_TABLES);
    assert.deepEqual(runtimeStateRoots(host.paths), rootsUnder(host.paths));
  });

  it('crio --runroot and --root, before the containers/storage defaults', () => {
    const host = fakeHost();
    host.writeProcess(901, 'crio', ['/usr/bin/crio', '--runroot', '/run/crio-storage', '--root=/var/lib/crio-storage', '--log-level', 'info']);
    assert.deepEqual(
      runtimeStateRoots(host.paths),
      rootsUnder(host.paths, { containersStorage: ['/run/crio-storage', '/var/lib/crio-storage'] }),
    );
  });

  it('ignores relative paths, in flags and in config files alike', () => {
    const host = fakeHost();
    host.writeProcess(812, 'dockerd', ['/usr/bin/dockerd', '--data-root', 'srv/docker']);
    host.writeProcess(813, 'dockerd', ['/usr/bin/dockerd', '--config-file', '/etc/docker/relative.json']);
    host.writeFile('/etc/docker/relative.json', JSON.stringify({ 'data-root': 'docker-data' }));
    host.writeProcess(640, 'containerd', ['/usr/bin/containerd', '--state=run/containerd']);
    host.writeProcess(641, 'containerd', ['/usr/bin/containerd', '--config', 'containerd.toml']);
    host.writeFile('/etc/containerd/config.toml', 'state = "run/relative"\n');
    host.writeProcess(901, 'crio', ['/usr/bin/crio', '--runroot', './run', '--root=storage']);
    assert.deepEqual(runtimeStateRoots(host.paths), rootsUnder(host.paths));
  });

  it('lists each directory once, where it is first named', () => {
    const host = fakeHost();
    host.writeProcess(812, 'dockerd', ['/usr/bin/dockerd', '--data-root', '/var/lib/docker']);
    host.writeProcess(813, 'dockerd', ['/usr/bin/dockerd', '--data-root=/var/lib/docker']);
    host.writeProcess(640, 'containerd', ['/usr/bin/containerd', '--state', '/run/docker/containerd/daemon']);
    host.writeProcess(901, 'crio', ['/usr/bin/crio', '--runroot', '/var/lib/containers/storage', '--root', '/var/lib/containers/storage']);
    assert.deepEqual(runtimeStateRoots(host.paths), {
      docker: [join(host.paths.root, '/var/lib/docker')],
      containerd: [join(host.paths.root, '/run/docker/containerd/daemon'), join(host.paths.root, '/run/containerd')],
      containersStorage: [join(host.paths.root, '/var/lib/containers/storage'), join(host.paths.root, '/run/containers/storage')],
    });
  });

  it('a trailing slash names the same directory', () => {
    const host = fakeHost();
    host.writeProcess(812, 'dockerd', ['/usr/bin/dockerd', '--data-root=/var/lib/docker/']);
    assert.deepEqual(runtimeStateRoots(host.paths), rootsUnder(host.paths));
  });

  it('a FIFO named as containerd config neither stalls nor feeds the scan', () => {
    const host = fakeHost();
    host.writeProcess(640, 'containerd', ['/usr/bin/containerd', '--config', '/tmp/config.toml']);
    mkdirSync(join(host.paths.root, 'tmp'));
    execFileSync('mkfifo', [join(host.paths.root, 'tmp', 'config.toml')]);
    // In a child: reading a FIFO with no writer blocks the whole thread.
    const modules = ['probes/host-paths', 'enrich/runtime-state-roots'].map((module) => new URL(`../../src/${module}.js`, import.meta.url).href);
    const scan = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const { hostPaths } = await import(${JSON.stringify(modules[0])});
         const { runtimeStateRoots } = await import(${JSON.stringify(modules[1])});
         process.stdout.write(JSON.stringify(runtimeStateRoots(hostPaths(process.env.HOST_ROOT))));`,
      ],
      { env: { ...process.env, HOST_ROOT: host.paths.root }, encoding: 'utf8', timeout: 5_000 },
    );
    assert.deepEqual(
      { status: scan.status, signal: scan.signal, roots: scan.stdout === '' ? null : JSON.parse(scan.stdout) },
      { status: 0, signal: null, roots: rootsUnder(host.paths) },
    );
  });
  it('ignores a daemon another user runs: anyone can name a process dockerd', () => {
    const host = fakeHost();
    host.writeProcess(700, 'dockerd', ['dockerd', '--data-root', '/home/mallory/fake-docker']);
    host.writeProcess(701, 'containerd', ['containerd', '--state', '/run/containerd-real']);
    chownSync(join(host.paths.proc, '700'), 1000, 1000);
    assert.deepEqual(runtimeStateRoots(host.paths), rootsUnder(host.paths, { containerd: ['/run/containerd-real'] }));
  });

  it('ignores paths that climb out of the host root with ..', () => {
    const host = fakeHost();
    host.writeProcess(710, 'dockerd', ['dockerd', '--data-root=/var/../../outside']);
    host.writeProcess(711, 'containerd', ['containerd', '--config', '/etc/containerd/config.toml']);
    host.writeFile('/etc/containerd/config.toml', 'state = "/run/../../outside"\n');
    assert.deepEqual(runtimeStateRoots(host.paths), rootsUnder(host.paths));
  });

  it("containerd: a top-level state in TOML's literal quotes", () => {
    const host = fakeHost();
    host.writeProcess(720, 'containerd', ['containerd']);
    host.writeFile('/etc/containerd/config.toml', "version = 2\nstate = '/run/containerd-literal'\n");
    assert.deepEqual(runtimeStateRoots(host.paths), rootsUnder(host.paths, { containerd: ['/run/containerd-literal'] }));
  });
});
