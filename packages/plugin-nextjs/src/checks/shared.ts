/** Types the Next checks share. */
import type { CheckContext, DiagnosticCheck } from '@healer/core';
import type { NextjsConfig } from '../config.js';
import type { NextAppMeta } from '../types.js';

export type NextCheck = DiagnosticCheck<NextjsConfig, NextAppMeta>;
export type NextCheckContext = CheckContext<NextjsConfig, NextAppMeta>;
