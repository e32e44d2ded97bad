/**
 * The Kubernetes manifests: every document valid against the Kubernetes OpenAPI schema of its
 * kind (kubernetes-models), the kustomize base complete, and the DaemonSet shaped as netscope
 * needs it — what it reads from the host, the capabilities it needs and why, the Prometheus
 * endpoint that the probes and the scrape annotations point at, and the NetworkPolicy that lets
 * only Prometheus reach it.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { DaemonSet } from 'kubernetes-models/apps/v1/DaemonSet';
import { NetworkPolicy, type INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { isScalar, isSeq, type Document } from 'yaml';
import { packageRoot } from '../../src/probes/package-paths.js';
import {
  argumentValue,
  emptyDirMounts,
  hostMounts,
  kustomizationFile,
  readAgentManifest,
  readManifests,
} from '../support/deploy-manifests.js';

/** The model class of each kind the manifests may hold, by `apiVersion/kind`. */
const models: Record<string, { new (data: never): { validate(): void } }> = {
  'v1/Namespace': Namespace,
  'apps/v1/DaemonSet': DaemonSet,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
};

/** What netscope needs, and why, is in the DaemonSet's comments and the README. */
const NEEDED_CAPABILITIES = ['BPF', 'PERFMON', 'SYS_ADMIN', 'SYS_PTRACE', 'DAC_READ_SEARCH', 'SYS_RESOURCE', 'NET_ADMIN'];
const HOST_ROOT = '/host';

const agent = readAgentManifest();
const podSpec = agent.daemonSet.spec!.template.spec!;
const { container } = agent;

/** The comment above each item of a YAML sequence (yaml puts the first one on the sequence). */
function commentsAboveItems(node: Document.Parsed, at: (string | number)[]): Map<string, string> {
  const sequence = node.getIn(at, true);
  assert.ok(isSeq(sequence), `${at.join('.')} is not a list`);
  const comments = new Map<string, string>();
  sequence.items.forEach((item, index) => {
    assert.ok(isScalar(item));
    const comment = item.commentBefore ?? (index === 0 ? sequence.commentBefore : undefined);
    comments.set(String(item.value), comment?.trim() ?? '');
  });
  return comments;
}

function metricsPort(): number {
  const port = container.ports?.find((candidate) => candidate.name === 'metrics');
  assert.ok(port, 'a container port named metrics');
  return port.containerPort;
}

/** `CMD [...]` of a Dockerfile, or of a `docker import --change 'CMD [...]'`. */
function defaultArguments(text: string, where: string): string[] {
  const match = /CMD (\[.*\])/.exec(text);
  assert.ok(match?.[1], `no CMD in ${where}`);
  return JSON.parse(match[1]) as string[];
}

describe('deploy/kubernetes', () => {
  it('every document is valid against the Kubernetes schema of its kind', () => {
    const documents = readManifests().filter((document) => document.file !== kustomizationFile);
    assert.ok(documents.length >= 2);
    for (const { file, data } of documents) {
      const model = models[`${data.apiVersion}/${data.kind}`];
      assert.ok(model, `${file}: no schema here for ${data.apiVersion} ${data.kind} — add its kubernetes-models class`);
      assert.doesNotThrow(() => new model(data as never).validate(), `${file}: ${data.kind} ${JSON.stringify(data.metadata)}`);
    }
  });

  it('the kustomization lists every manifest, and only those', () => {
    const [kustomization, ...rest] = readManifests().filter((document) => document.file === kustomizationFile);
    assert.ok(kustomization && rest.length === 0, `one document in ${kustomizationFile}`);
    assert.equal(kustomization.data.apiVersion, 'kustomize.config.k8s.io/v1beta1');
    assert.equal(kustomization.data.kind, 'Kustomization');
    const manifestFiles = [...new Set(readManifests().map((document) => document.file))].filter((file) => file !== kustomizationFile);
    assert.deepEqual([...(kustomization.data.resources as string[])].sort(), manifestFiles.sort());
  });

  it('puts the DaemonSet in the namespace, which admits privileged pods', () => {
    const namespaces = readManifests().filter((document) => document.data.kind === 'Namespace');
    assert.equal(namespaces.length, 1);
    const namespace = namespaces[0]!.data as { metadata: { name: string; labels: Record<string, string> } };
    assert.equal(agent.daemonSet.metadata?.namespace, namespace.metadata.name);
    assert.equal(namespace.metadata.labels['pod-security.kubernetes.io/enforce'], 'privileged');
  });
});

describe('the netscope DaemonSet', () => {
  it('shares the host PID namespace and mounts the host /proc under the host root', () => {
    assert.equal(podSpec.hostPID, true);
    assert.equal(argumentValue(container, '--host-root'), HOST_ROOT);
    const proc = hostMounts(agent).find((mount) => mount.hostPath === '/proc');
    assert.deepEqual(proc, { hostPath: '/proc', mountPath: `${HOST_ROOT}/proc`, readOnly: true });
  });

  it('mounts every host path read-only, at its own path under the host root', () => {
    const mounts = hostMounts(agent);
    assert.equal(mounts.length + emptyDirMounts(agent).length, container.volumeMounts?.length, 'every volume is a host path or an emptyDir');
    for (const needed of ['/proc', '/sys/fs/cgroup', '/var/lib/docker/containers', '/run/containerd/io.containerd.runtime.v2.task']) {
      assert.ok(mounts.some((mount) => mount.hostPath === needed), `${needed} is mounted`);
    }
    for (const mount of mounts) {
      assert.equal(mount.readOnly, true, `${mount.hostPath} is read-only`);
      assert.equal(mount.mountPath, path.posix.join(HOST_ROOT, mount.hostPath), `${mount.hostPath} is under the host root at its own path`);
    }
  });

  it('adds exactly the capabilities netscope needs to a dropped set, each with a comment saying why', () => {
    const capabilities = container.securityContext?.capabilities;
    assert.deepEqual(capabilities?.drop, ['ALL']);
    assert.deepEqual([...(capabilities?.add ?? [])].sort(), [...NEEDED_CAPABILITIES].sort());
    const at = ['spec', 'template', 'spec', 'containers', 0, 'securityContext', 'capabilities', 'add'];
    for (const [capability, comment] of commentsAboveItems(agent.node, at)) {
      assert.ok(comment.length >= 20, `${capability} has a comment saying why netscope needs it (found ${JSON.stringify(comment)})`);
    }
  });

  it('runs with a read-only root, no privilege escalation, and not privileged', () => {
    const writable = (container.volumeMounts ?? []).filter((mount) => mount.readOnly !== true).map((mount) => mount.mountPath);
    assert.deepEqual(writable, [argumentValue(container, '--output-dir')], 'the only writable mount is where flight recordings go');
    assert.deepEqual(emptyDirMounts(agent), writable, 'and it is an emptyDir');
    const securityContext = container.securityContext;
    assert.equal(securityContext?.readOnlyRootFilesystem, true);
    assert.equal(securityContext?.allowPrivilegeEscalation, false);
    assert.notEqual(securityContext?.privileged, true);
    assert.equal(podSpec.automountServiceAccountToken, false);
  });

  it('names the node from the downward API', () => {
    const nodeName = container.env?.find((variable) => variable.name === 'NODE_NAME');
    assert.equal(nodeName?.valueFrom?.fieldRef?.fieldPath, 'spec.nodeName');
  });

  it('serves Prometheus on the metrics port that the probes and the scrape annotations name', () => {
    const port = metricsPort();
    assert.equal(argumentValue(container, '--prometheus'), `0.0.0.0:${port}`);
    assert.ok(container.args?.includes('--headless'));
    for (const probe of [container.readinessProbe, container.livenessProbe]) {
      assert.equal(probe?.httpGet?.path, '/metrics');
      assert.ok(probe.httpGet.port === 'metrics' || probe.httpGet.port === port, `probe port ${probe.httpGet.port}`);
    }
    assert.deepEqual(agent.daemonSet.spec?.template.metadata?.annotations, {
      'prometheus.io/scrape': 'true',
      'prometheus.io/port': String(port),
      'prometheus.io/path': '/metrics',
    });
  });

  it('runs on every node, with a memory request and limit', () => {
    assert.ok(podSpec.tolerations?.some((toleration) => toleration.operator === 'Exists' && toleration.key === undefined && toleration.effect === undefined));
    assert.ok(container.resources?.requests?.memory && container.resources.limits?.memory);
  });

  it('runs the image with the arguments the image itself defaults to', () => {
    const dockerfile = readFileSync(path.join(packageRoot, 'deploy/Dockerfile'), 'utf8');
    const importScript = readFileSync(path.join(packageRoot, 'scripts/build-agent-image'), 'utf8');
    assert.deepEqual(defaultArguments(dockerfile, 'deploy/Dockerfile'), container.args);
    assert.deepEqual(defaultArguments(importScript, 'scripts/build-agent-image'), container.args);
  });
});

describe('the metrics NetworkPolicy', () => {
  const policies = readManifests().filter((document) => document.data.kind === 'NetworkPolicy');
  const policy = policies[0]?.data as unknown as INetworkPolicy | undefined;

  it('selects the agent pods, in their namespace, which are on their own network (a policy does not reach hostNetwork pods)', () => {
    assert.equal(policies.length, 1);
    assert.equal(policy?.metadata?.namespace, agent.daemonSet.metadata?.namespace);
    const podLabels = agent.daemonSet.spec?.template.metadata?.labels ?? {};
    const selected = policy?.spec?.podSelector.matchLabels ?? {};
    assert.ok(Object.keys(selected).length > 0, 'a selector that is not every pod of the namespace');
    for (const [label, value] of Object.entries(selected)) assert.equal(podLabels[label], value, `the agent pods carry ${label}=${value}`);
    assert.notEqual(podSpec.hostNetwork, true);
  });

  it('lets in only Prometheus pods of the monitoring namespace, only to the metrics port, and leaves egress alone', () => {
    assert.deepEqual(policy?.spec?.policyTypes, ['Ingress']);
    assert.deepEqual(policy?.spec?.ingress, [
      {
        // Both selectors in one peer: Prometheus pods in that namespace, not either.
        from: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } },
            podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } },
          },
        ],
        ports: [{ port: 'metrics', protocol: 'TCP' }],
      },
    ]);
    assert.ok(container.ports?.some((port) => port.name === 'metrics' && port.protocol !== 'UDP'), 'the port it names is the container port serving /metrics');
  });
});
