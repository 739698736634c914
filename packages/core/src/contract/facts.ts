/** Probes many checks share. Each runs at most once per host per run. */

export interface DiskFacts {
  /** The mount point holding the path. */
  mount: string;
  totalBytes: number;
  availableBytes: number;
  usedPercent: number;
  inodesTotal: number;
  inodesFree: number;
  /** 0 when the filesystem does not report inodes. */
  inodesUsedPercent: number;
}

export interface MemoryFacts {
  totalBytes: number;
  availableBytes: number;
  swapTotalBytes: number;
  swapFreeBytes: number;
}

export interface LoadFacts {
  load1: number;
  load5: number;
  load15: number;
  cpus: number;
}

export interface ListeningPort {
  protocol: 'tcp' | 'tcp6' | 'udp' | 'udp6';
  address: string;
  port: number;
  /** Owning process when visible. */
  pid?: number;
  process?: string;
}

export interface ProcessInfo {
  pid: number;
  ppid: number;
  user: string;
  rssBytes: number;
  command: string;
}

export interface Facts {
  /** Memoize any probe under `key` for this host and run. */
  get<T>(key: string, probe: () => Promise<T>): Promise<T>;
  disk(path: string): Promise<DiskFacts>;
  memory(): Promise<MemoryFacts>;
  load(): Promise<LoadFacts>;
  uname(): Promise<{ kernel: string; release: string; machine: string; hostname: string }>;
  listeningPorts(): Promise<ListeningPort[]>;
  processes(): Promise<ProcessInfo[]>;
  /** First line of `cmd --version` (or the given args), or null when the command is missing. */
  commandVersion(command: string, args?: string[]): Promise<string | null>;
}
