/** The metadata the Next.js detection records beside the Node fields. */
import type { NodeAppMeta } from '@healer/plugin-nodejs';

/** How `next.config.*` says the build is output. */
export type NextOutputMode = 'standalone' | 'export' | 'default';

/** `readNodeApp()`'s fields plus Next's own; stored in `app.metadata`. */
export interface NextAppMeta extends NodeAppMeta {
  /** The installed Next version (`node_modules/next/package.json`), else the range in package.json. */
  nextVersion: string | null;
  /** True when `nextVersion` is the installed version, false when it is the declared range. */
  nextInstalled: boolean;
  /** `engines.node` of the installed Next: the Node versions it supports. */
  nextEnginesNode: string | null;
  /** The `next.config.*` file's name, null when there is none. */
  configFile: string | null;
  outputMode: NextOutputMode;
  /** `.next/BUILD_ID`, null when there is no production build. */
  buildId: string | null;
}
