/** The version of this copy of `@healer/core`, checked against plugins' `engines.core`. Kept equal to package.json by a test. */
export const CORE_VERSION = '1.0.0';
