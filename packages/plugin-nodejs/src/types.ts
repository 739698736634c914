/** The metadata the Node detection records, read by every reusable check. */

export type PackageManager = 'npm' | 'pnpm' | 'yarn';

/** How the app's process is run. */
export type NodeRunner =
  | { kind: 'pm2'; name: string }
  | { kind: 'systemd'; unit: string }
  | { kind: 'commands'; start: string[]; stop?: string[]; status?: string[] }
  | { kind: 'unknown' };

/** What `readNodeApp()` finds in a folder with a `package.json`; stored in `app.metadata`. */
export interface NodeAppMeta {
  /** The `name` in package.json. */
  name: string | null;
  /** The `version` in package.json. */
  version: string | null;
  /** `express` when it is a dependency. */
  framework: 'express' | null;
  packageManager: PackageManager;
  /** The lockfile's name in the root (`package-lock.json`...), null when there is none. */
  lockfile: string | null;
  /** `engines.node` from package.json. */
  enginesNode: string | null;
  /** `main` from package.json. */
  main: string | null;
  /** `scripts.start` from package.json. */
  startScript: string | null;
  /** Names in `dependencies` (what production needs). */
  dependencies: string[];
  /** Names in `devDependencies`. */
  devDependencies: string[];
  runner: NodeRunner;
}
