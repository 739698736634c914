/** Check and action ids of the Next.js plugin (part of its public API). */
export const BUILD_EXISTS = 'nextjs/build-exists';
export const BUILD_STALE = 'nextjs/build-stale';
export const STANDALONE_START = 'nextjs/standalone-start';
export const NODE_VERSION = 'nextjs/node-version';
export const CACHE_SIZE = 'nextjs/cache-size';
export const AVAILABILITY = 'nextjs/availability';
export const REBUILD = 'nextjs/rebuild';
export const RESTART = 'nextjs/restart';
export const CLEAR_CACHE = 'nextjs/clear-cache';
/** The Node plugin's audit check and fix, as `nextjs/...`. */
export const AUDIT = 'nextjs/audit';
export const AUDIT_FIX = 'nextjs/audit-fix';
