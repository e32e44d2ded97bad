import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { containerFromCgroupPath, type CgroupContainerMatch } from '../../src/enrich/cgroup-container.js';

/** A realistic 64-hex container id, the same for the same seed. */
function containerId(seed: string): string {
  return createHash('sha256').update(seed).digest('hex');
}

function found(
  runtime: CgroupContainerMatch['runtime'],
  id: string,
  details: Partial<Pick<CgroupContainerMatch, 'podUid' | 'qosClass' | 'containerdNamespace'>> = {},
): CgroupContainerMatch {
  return { runtime, id, podUid: null, qosClass: null, containerdNamespace: null, ...details };
}

const WEB = containerId('web');
const SIDECAR = containerId('sidecar');
const NODE = containerId('kind-node');
const POD_UID = '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';
const POD_UID_IN_SLICE = '0f1e2d3c_4b5a_6978_8796_a5b4c3d2e1f0';
/** kubelet names a static pod by the MD5 of its manifest: 32 hex digits, no dashes. */
const STATIC_POD_UID = 'c2a5f3e1b0d94e7f8a6b5c4d3e2f1a0b';

/** Copied from /proc/PID/cgroup on this machine. */
const LIVE_DOCKER_ID = '1fa897f7bde28b0e991cda1dd2d8c12ff865b087a00f03e7eae37ce533202b01';
const LIVE_POD_UID = '1234abcd-0000-1111-2222-333344445555';

describe('docker', () => {
  it('cgroupfs driver: /docker/<id> (live)', () => {
    assert.deepEqual(containerFromCgroupPath(`/docker/${LIVE_DOCKER_ID}`), found('docker', LIVE_DOCKER_ID));
  });

  it('systemd driver: docker-<id>.scope', () => {
    assert.deepEqual(containerFromCgroupPath(`/system.slice/docker-${WEB}.scope`), found('docker', WEB));
  });

  it('rootless: docker-<id>.scope in the user manager', () => {
    const path = `/user.slice/user-1000.slice/user@1000.service/user.slice/docker-${WEB}.scope`;
    assert.deepEqual(containerFromCgroupPath(path), found('docker', WEB));
  });

  it('in a Kubernetes pod slice (cri-dockerd, systemd driver)', () => {
    const path = `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${POD_UID_IN_SLICE}.slice/docker-${WEB}.scope`;
    assert.deepEqual(containerFromCgroupPath(path), found('docker', WEB, { podUid: POD_UID, qosClass: 'burstable' }));
  });

  it('docker-in-docker under cgroupfs: the inner container', () => {
    assert.deepEqual(containerFromCgroupPath(`/docker/${NODE}/docker/${WEB}`), found('docker', WEB));
  });

  it('docker-in-docker under a systemd scope: the inner container', () => {
    assert.deepEqual(containerFromCgroupPath(`/system.slice/docker-${NODE}.scope/docker/${WEB}`), found('docker', WEB));
  });

  it('a sub-cgroup the container made (systemd inside it) is still the container', () => {
    const path = `/system.slice/docker-${WEB}.scope/system.slice/nginx.service`;
    assert.deepEqual(containerFromCgroupPath(path), found('docker', WEB));
  });

  it('seen from another cgroup namespace (leading ..)', () => {
    assert.deepEqual(containerFromCgroupPath(`/../../system.slice/docker-${WEB}.scope`), found('docker', WEB));
  });
});

describe('containerd (CRI)', () => {
  it('systemd driver, burstable: pod UID underscores become dashes', () => {
    const path = `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${POD_UID_IN_SLICE}.slice/cri-containerd-${WEB}.scope`;
    assert.deepEqual(
      containerFromCgroupPath(path),
      found('containerd', WEB, { podUid: POD_UID, qosClass: 'burstable' }),
    );
  });

  it('systemd driver, besteffort', () => {
    const path = `/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${POD_UID_IN_SLICE}.slice/cri-containerd-${WEB}.scope`;
    assert.deepEqual(
      containerFromCgroupPath(path),
      found('containerd', WEB, { podUid: POD_UID, qosClass: 'besteffort' }),
    );
  });

  it('systemd driver, guaranteed: the pod slice sits directly under kubepods.slice', () => {
    const path = `/kubepods.slice/kubepods-pod${POD_UID_IN_SLICE}.slice/cri-containerd-${WEB}.scope`;
    assert.deepEqual(
      containerFromCgroupPath(path),
      found('containerd', WEB, { podUid: POD_UID, qosClass: 'guaranteed' }),
    );
  });

  it('static pod: a 32-hex UID', () => {
    const path = `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${STATIC_POD_UID}.slice/cri-containerd-${WEB}.scope`;
    assert.deepEqual(
      containerFromCgroupPath(path),
      found('containerd', WEB, { podUid: STATIC_POD_UID, qosClass: 'burstable' }),
    );
  });

  it('kubelet --cgroup-root=/kubelet.slice', () => {
    const path =
      `/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-besteffort.slice/` +
      `kubelet-kubepods-besteffort-pod${POD_UID_IN_SLICE}.slice/cri-containerd-${WEB}.scope`;
    assert.deepEqual(
      containerFromCgroupPath(path),
      found('containerd', WEB, { podUid: POD_UID, qosClass: 'besteffort' }),
    );
  });

  it('cgroupsPath form <slice>:cri-containerd:<id> as a directory name', () => {
    const path = `/kubepods-burstable-pod${POD_UID_IN_SLICE}.slice:cri-containerd:${WEB}`;
    assert.deepEqual(
      containerFromCgroupPath(path),
      found('containerd', WEB, { podUid: POD_UID, qosClass: 'burstable' }),
    );
  });

  it('cgroupsPath form below containerd.service', () => {
    const path = `/system.slice/containerd.service/kubepods-pod${POD_UID_IN_SLICE}.slice:cri-containerd:${WEB}`;
    assert.deepEqual(
      containerFromCgroupPath(path),
      found('containerd', WEB, { podUid: POD_UID, qosClass: 'guaranteed' }),
    );
  });

  it('kind: a pod container inside the node container wins over the node', () => {
    const path =
      `/system.slice/docker-${NODE}.scope/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-burstable.slice/` +
      `kubelet-kubepods-burstable-pod${POD_UID_IN_SLICE}.slice/cri-containerd-${WEB}.scope`;
    assert.deepEqual(
      containerFromCgroupPath(path),
      found('containerd', WEB, { podUid: POD_UID, qosClass: 'burstable' }),
    );
  });
});

describe('Kubernetes cgroupfs driver (runtime unknown: the caller decides by state)', () => {
  it('burstable (live)', () => {
    assert.deepEqual(
      containerFromCgroupPath(`/kubepods/burstable/pod${LIVE_POD_UID}/${WEB}`),
      found('unknown', WEB, { podUid: LIVE_POD_UID, qosClass: 'burstable' }),
    );
  });

  it('besteffort', () => {
    assert.deepEqual(
      containerFromCgroupPath(`/kubepods/besteffort/pod${POD_UID}/${WEB}`),
      found('unknown', WEB, { podUid: POD_UID, qosClass: 'besteffort' }),
    );
  });

  it('guaranteed: the pod sits directly under kubepods', () => {
    assert.deepEqual(
      containerFromCgroupPath(`/kubepods/pod${POD_UID}/${WEB}`),
      found('unknown', WEB, { podUid: POD_UID, qosClass: 'guaranteed' }),
    );
  });

  it('kubelet --cgroup-root=/kubelet', () => {
    assert.deepEqual(
      containerFromCgroupPath(`/kubelet/kubepods/burstable/pod${POD_UID}/${WEB}`),
      found('unknown', WEB, { podUid: POD_UID, qosClass: 'burstable' }),
    );
  });

  it('kind on cgroupfs: the pod container, not the node', () => {
    assert.deepEqual(
      containerFromCgroupPath(`/docker/${NODE}/kubelet/kubepods/besteffort/pod${POD_UID}/${WEB}`),
      found('unknown', WEB, { podUid: POD_UID, qosClass: 'besteffort' }),
    );
  });

  it('the pod cgroup itself is no container', () => {
    assert.equal(containerFromCgroupPath(`/kubepods/burstable/pod${POD_UID}`), null);
  });

  it('the QoS cgroup is no container (nor a containerd candidate)', () => {
    assert.equal(containerFromCgroupPath('/kubepods/burstable'), null);
  });

  it('pod<uid> outside kubepods: an id by shape, no pod', () => {
    assert.deepEqual(containerFromCgroupPath(`/custom/pod${POD_UID}/${WEB}`), found('unknown', WEB));
  });

  it('pod<uid> under an unknown QoS directory: an id by shape, no pod', () => {
    assert.deepEqual(containerFromCgroupPath(`/kubepods/premium/pod${POD_UID}/${WEB}`), found('unknown', WEB));
  });
});

describe('CRI-O', () => {
  const podSlice = `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${POD_UID_IN_SLICE}.slice`;

  it('systemd driver: crio-<id>.scope', () => {
    assert.deepEqual(
      containerFromCgroupPath(`${podSlice}/crio-${WEB}.scope`),
      found('cri-o', WEB, { podUid: POD_UID, qosClass: 'burstable' }),
    );
  });

  it('systemd driver: crio-conmon-<id>.scope is the monitor, not the container', () => {
    assert.equal(containerFromCgroupPath(`${podSlice}/crio-conmon-${WEB}.scope`), null);
  });

  it('conmon in system.slice', () => {
    assert.equal(containerFromCgroupPath(`/system.slice/crio-conmon-${WEB}.scope`), null);
  });

  it('cgroupfs driver: crio-<id> without .scope', () => {
    assert.deepEqual(
      containerFromCgroupPath(`/kubepods/besteffort/pod${POD_UID}/crio-${WEB}`),
      found('cri-o', WEB, { podUid: POD_UID, qosClass: 'besteffort' }),
    );
  });

  it('cgroupfs driver: crio-conmon-<id>', () => {
    assert.equal(containerFromCgroupPath(`/kubepods/besteffort/pod${POD_UID}/crio-conmon-${WEB}`), null);
  });

  it('cgroupfs default parent /crio', () => {
    assert.deepEqual(containerFromCgroupPath(`/crio/crio-${WEB}`), found('cri-o', WEB));
  });

  it('conmon under the default parent /crio is no containerd candidate either', () => {
    assert.equal(containerFromCgroupPath(`/crio/crio-conmon-${WEB}`), null);
  });

  it('cgroupsPath form <slice>:crio:<id>', () => {
    assert.deepEqual(
      containerFromCgroupPath(`/kubepods-besteffort-pod${POD_UID_IN_SLICE}.slice:crio:${WEB}`),
      found('cri-o', WEB, { podUid: POD_UID, qosClass: 'besteffort' }),
    );
  });
});

describe('podman', () => {
  it('rootful: machine.slice/libpod-<id>.scope', () => {
    assert.deepEqual(containerFromCgroupPath(`/machine.slice/libpod-${WEB}.scope`), found('podman', WEB));
  });

  it('rootless: user.slice', () => {
    const path = `/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-${WEB}.scope`;
    assert.deepEqual(containerFromCgroupPath(path), found('podman', WEB));
  });

  it('split cgroups: the container runs in the `container` child', () => {
    assert.deepEqual(containerFromCgroupPath(`/machine.slice/libpod-${WEB}.scope/container`), found('podman', WEB));
  });

  it('rootless split cgroups', () => {
    const path = `/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-${WEB}.scope/container`;
    assert.deepEqual(containerFromCgroupPath(path), found('podman', WEB));
  });

  it('in a podman pod: a podman pod is no Kubernetes pod', () => {
    const path = `/machine.slice/machine-libpod_pod_${SIDECAR}.slice/libpod-${WEB}.scope/container`;
    assert.deepEqual(containerFromCgroupPath(path), found('podman', WEB));
  });

  it('cgroupfs driver: /libpod_parent/libpod-<id>', () => {
    assert.deepEqual(containerFromCgroupPath(`/libpod_parent/libpod-${WEB}`), found('podman', WEB));
  });

  it('libpod-conmon-<id>.scope is the monitor', () => {
    assert.equal(containerFromCgroupPath(`/machine.slice/libpod-conmon-${WEB}.scope`), null);
  });

  it('cgroupfs conmon cgroups', () => {
    assert.equal(containerFromCgroupPath(`/libpod_parent/libpod-conmon-${WEB}`), null);
    assert.equal(containerFromCgroupPath('/libpod_parent/conmon'), null);
  });
});

describe('plain containerd (a candidate for the caller to confirm)', () => {
  it('ctr run in the default namespace', () => {
    assert.deepEqual(
      containerFromCgroupPath('/default/redis'),
      found('containerd', 'redis', { containerdNamespace: 'default' }),
    );
  });

  it('a 64-hex id in the k8s.io namespace', () => {
    assert.deepEqual(
      containerFromCgroupPath(`/k8s.io/${WEB}`),
      found('containerd', WEB, { containerdNamespace: 'k8s.io' }),
    );
  });

  it('two segments with a 64-hex id beat the unknown-runtime rule', () => {
    assert.deepEqual(
      containerFromCgroupPath(`/mystery/${WEB}`),
      found('containerd', WEB, { containerdNamespace: 'mystery' }),
    );
  });

  it('separators and mixed case are allowed', () => {
    assert.deepEqual(
      containerFromCgroupPath('/Team-A/web_1.v2'),
      found('containerd', 'web_1.v2', { containerdNamespace: 'Team-A' }),
    );
  });

  it('up to containerd’s 76 characters', () => {
    const longest = 'a'.repeat(76);
    assert.deepEqual(
      containerFromCgroupPath(`/default/${longest}`),
      found('containerd', longest, { containerdNamespace: 'default' }),
    );
    assert.equal(containerFromCgroupPath(`/default/${'a'.repeat(77)}`), null);
    assert.equal(containerFromCgroupPath(`/${'n'.repeat(77)}/redis`), null);
  });

  for (const hostPath of [
    '/system.slice/cron.service',
    '/user.slice/user-0.slice',
    '/system.slice/var-lib-docker.mount',
    '/system.slice/dbus.socket',
    '/system.slice/dev-sda2.swap',
    '/init.scope',
    '/user.slice/user-1000.slice/session-3.scope',
    '/',
  ]) {
    it(`host cgroup ${hostPath} is no container`, () => {
      assert.equal(containerFromCgroupPath(hostPath), null);
    });
  }

  for (const invalid of ['/default/-web', '/default/web-', '/default/a..b', '/default/user@1000', '/default/a b']) {
    it(`invalid containerd name ${invalid}`, () => {
      assert.equal(containerFromCgroupPath(invalid), null);
    });
  }

  it('one or three segments are not the form', () => {
    assert.equal(containerFromCgroupPath('/default'), null);
    assert.equal(containerFromCgroupPath('/default/redis/child'), null);
  });

  it('not under another engine’s cgroupfs root', () => {
    assert.equal(containerFromCgroupPath('/docker/not-an-id'), null);
    assert.equal(containerFromCgroupPath(`/kubepods/pod${POD_UID}`), null);
  });
});

describe('unknown runtimes (an id by shape alone)', () => {
  it('a 64-hex segment three levels deep', () => {
    assert.deepEqual(containerFromCgroupPath(`/mystery/runtime/${WEB}`), found('unknown', WEB));
  });

  it('something-<id>.scope', () => {
    assert.deepEqual(containerFromCgroupPath(`/something-${WEB}.scope`), found('unknown', WEB));
    assert.deepEqual(containerFromCgroupPath(`/system.slice/something-${WEB}.scope`), found('unknown', WEB));
  });

  it('cgroupsPath form with a prefix no engine here uses', () => {
    assert.deepEqual(containerFromCgroupPath(`/system.slice:kata:${WEB}`), found('unknown', WEB));
  });

  it('cgroupsPath form with an unknown prefix in a pod slice keeps the pod', () => {
    assert.deepEqual(
      containerFromCgroupPath(`/kubepods-pod${POD_UID_IN_SLICE}.slice:kata:${WEB}`),
      found('unknown', WEB, { podUid: POD_UID, qosClass: 'guaranteed' }),
    );
  });

  it('the innermost of two unknown ids', () => {
    assert.deepEqual(containerFromCgroupPath(`/a/${SIDECAR}/b/${WEB}`), found('unknown', WEB));
  });

  it('a named runtime further out beats a bare id further in', () => {
    assert.deepEqual(containerFromCgroupPath(`/system.slice/docker-${NODE}.scope/jobs/${WEB}`), found('docker', NODE));
  });

  it('a podman pod slice alone is no container (a .slice holds no id)', () => {
    assert.equal(containerFromCgroupPath(`/machine.slice/machine-libpod_pod_${SIDECAR}.slice`), null);
  });
});

describe('a removed cgroup: " (deleted)"', () => {
  it('docker', () => {
    assert.deepEqual(containerFromCgroupPath(`/docker/${LIVE_DOCKER_ID} (deleted)`), found('docker', LIVE_DOCKER_ID));
  });

  it('kubepods cgroupfs', () => {
    assert.deepEqual(
      containerFromCgroupPath(`/kubepods/burstable/pod${LIVE_POD_UID}/${WEB} (deleted)`),
      found('unknown', WEB, { podUid: LIVE_POD_UID, qosClass: 'burstable' }),
    );
  });

  it('plain containerd', () => {
    assert.deepEqual(
      containerFromCgroupPath('/default/redis (deleted)'),
      found('containerd', 'redis', { containerdNamespace: 'default' }),
    );
  });

  it('conmon stays excluded', () => {
    assert.equal(containerFromCgroupPath(`/machine.slice/libpod-conmon-${WEB}.scope (deleted)`), null);
  });

  it('only the exact suffix counts', () => {
    assert.equal(containerFromCgroupPath(`/docker/${WEB}(deleted)`), null);
    assert.equal(containerFromCgroupPath(`/docker/${WEB} (deleted) (deleted)`), null);
  });
});

describe('malformed paths', () => {
  const truncated = WEB.slice(0, 63);
  const overlong = `${WEB}0`;
  const uppercase = WEB.toUpperCase();

  for (const [name, path] of [
    ['empty', ''],
    ['//', '//'],
    ['an empty segment', `/docker//${WEB}`],
    ['a trailing slash', `/docker/${WEB}/`],
    ['no leading slash', `docker/${WEB}`],
    ['a whole /proc line, not just its path', `0::/docker/${WEB}`],
    ['a 63-digit id under docker', `/docker/${truncated}`],
    ['a 63-digit id in a scope', `/system.slice/docker-${truncated}.scope`],
    ['a 63-digit id in a pod', `/kubepods/burstable/pod${POD_UID}/${truncated}`],
    ['a 65-digit id in a scope', `/system.slice/docker-${overlong}.scope`],
    ['a 65-digit id in a pod', `/kubepods/burstable/pod${POD_UID}/${overlong}`],
    ['an uppercase id under docker', `/docker/${uppercase}`],
    ['an uppercase id in a scope', `/system.slice/docker-${uppercase}.scope`],
    ['a segment longer than a cgroup name can be', `/system.slice/docker-${WEB}.scope/${'x'.repeat(256)}`],
    ['a long run of one character', `/${'a'.repeat(100_000)}`],
    ['a long run of dashes', `/${'-'.repeat(100_000)}`],
    ['many 63-digit segments', `/${truncated}`.repeat(2_000)],
    ['a very deep path', '/x'.repeat(50_000)],
  ] as const) {
    it(`${name} → null`, () => {
      assert.equal(containerFromCgroupPath(path), null);
    });
  }

  it('an uppercase pod UID is no pod: the id counts by shape alone', () => {
    assert.deepEqual(
      containerFromCgroupPath(`/kubepods/burstable/pod${POD_UID.toUpperCase()}/${WEB}`),
      found('unknown', WEB),
    );
  });

  /** A linear congruential step (glibc's constants), kept to 32 bits. */
  function nextRandom(state: number): number {
    return (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
  }

  /** Deterministic noise: segments of at most 40 characters, so none can hold a 64-digit id. */
  function randomPath(seed: number, length: number): string {
    const alphabet = '0123456789abcdefABCDEF-_.:@ ';
    let state = seed;
    let path = '';
    while (path.length < length) {
      path += '/';
      state = nextRandom(state);
      const segmentLength = 3 + (state % 38);
      for (let i = 0; i < segmentLength; i++) {
        state = nextRandom(state);
        path += alphabet[state % alphabet.length];
      }
    }
    return path;
  }

  for (const seed of [1, 2, 3]) {
    it(`very long random path (seed ${seed}) → null`, () => {
      assert.equal(containerFromCgroupPath(randomPath(seed, 200_000)), null);
    });

    it(`an id at the end of a very long random path (seed ${seed}) is found`, () => {
      assert.deepEqual(containerFromCgroupPath(`${randomPath(seed, 200_000)}/${WEB}`), found('unknown', WEB));
    });
  }
});
