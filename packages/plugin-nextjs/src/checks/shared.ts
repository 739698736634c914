/** Types the Next checks share. */
import type { CheckContext, DiagnosticCheck } from '@healer/core';
import type { NextjsConfig } from '../config.js';

export type NextCheck = DiagnosticCheck<NextjsConfig>;
export type NextCheckContext = CheckContext<NextjsConfig>;
