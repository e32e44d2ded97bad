/**
 * The enrichment stage as a source uses it: owners from /proc (described and redacted) and
 * containers from cgroups and runtime state. Made once, where the capture is wired, so what
 * shapes it (--show-secrets, the host root) reaches it directly rather than through the sources.
 */
import type { HostPaths } from '../probes/host-paths.js';
import { ContainerResolver } from './container-resolver.js';
import { OwnerResolver } from './owner-resolver.js';
import { ProcessDescriber } from './proc-process.js';

export interface Enrichment {
  owners: OwnerResolver;
  containers: ContainerResolver;
}

export interface EnrichmentOptions {
  paths: HostPaths;
  /** Keep secrets in command lines (--show-secrets). */
  showSecrets: boolean;
}

export function openEnrichment({ paths, showSecrets }: EnrichmentOptions, nowMs: number): Enrichment {
  return {
    owners: new OwnerResolver(paths, new ProcessDescriber(paths, undefined, showSecrets)),
    containers: new ContainerResolver(paths, nowMs),
  };
}
