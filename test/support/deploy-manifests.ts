/**
 * The Kubernetes manifests under deploy/kubernetes, read as Kubernetes reads them: every YAML
 * document of every file, with the parsed node tree kept for checks on the comments.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { IDaemonSet } from 'kubernetes-models/apps/v1/DaemonSet';
import type { IContainer } from 'kubernetes-models/v1/Container';
import { parseAllDocuments, type Document } from 'yaml';
import { packageRoot } from '../../src/probes/package-paths.js';

export const kubernetesDirectory = path.join(packageRoot, 'deploy/kubernetes');
export const kustomizationFile = 'kustomization.yaml';

export interface ManifestDocument {
  /** File name under deploy/kubernetes. */
  file: string;
  /** The YAML node tree, comments included. */
  node: Document.Parsed;
  /** The document as plain data. */
  data: { apiVersion?: string; kind?: string; [field: string]: unknown };
}

/** Every document of every .yaml file under deploy/kubernetes; a YAML syntax error throws. */
export function readManifests(): ManifestDocument[] {
  const documents: ManifestDocument[] = [];
  for (const file of readdirSync(kubernetesDirectory).filter((name) => name.endsWith('.yaml')).sort()) {
    for (const node of parseAllDocuments(readFileSync(path.join(kubernetesDirectory, file), 'utf8'))) {
      if (node.errors.length > 0) throw new Error(`${file}: ${node.errors[0]!.message}`);
      documents.push({ file, node, data: node.toJS() as ManifestDocument['data'] });
    }
  }
  return documents;
}

export interface AgentManifest {
  daemonSet: IDaemonSet;
  /** The netscope container of the pod template. */
  container: IContainer;
  /** The DaemonSet's YAML node tree. */
  node: Document.Parsed;
}

/** The netscope DaemonSet and its one container. */
export function readAgentManifest(): AgentManifest {
  const found = readManifests().filter((document) => document.data.kind === 'DaemonSet');
  if (found.length !== 1) throw new Error(`expected one DaemonSet under deploy/kubernetes, found ${found.length}`);
  const { data, node } = found[0]!;
  const daemonSet = data as unknown as IDaemonSet;
  const containers = daemonSet.spec?.template.spec?.containers ?? [];
  if (containers.length !== 1) throw new Error(`expected one container in the DaemonSet, found ${containers.length}`);
  return { daemonSet, container: containers[0]!, node };
}

/** A volume mount of the agent with the host path behind it. */
export interface HostMount {
  hostPath: string;
  mountPath: string;
  readOnly: boolean;
}

/** The agent's mounts of host paths, in the order the container lists them. */
export function hostMounts({ daemonSet, container }: AgentManifest): HostMount[] {
  const volumes = daemonSet.spec?.template.spec?.volumes ?? [];
  return (container.volumeMounts ?? []).flatMap((mount) => {
    const hostPath = volumes.find((volume) => volume.name === mount.name)?.hostPath?.path;
    return hostPath === undefined ? [] : [{ hostPath, mountPath: mount.mountPath, readOnly: mount.readOnly === true }];
  });
}

/** Mount paths of the agent's emptyDir volumes: its only writable places. */
export function emptyDirMounts({ daemonSet, container }: AgentManifest): string[] {
  const volumes = daemonSet.spec?.template.spec?.volumes ?? [];
  return (container.volumeMounts ?? [])
    .filter((mount) => volumes.find((volume) => volume.name === mount.name)?.emptyDir !== undefined)
    .map((mount) => mount.mountPath);
}

/** The value after `flag` in the container's arguments, or null. */
export function argumentValue(container: IContainer, flag: string): string | null {
  const args = container.args ?? [];
  const index = args.indexOf(flag);
  return index === -1 ? null : (args[index + 1] ?? null);
}
