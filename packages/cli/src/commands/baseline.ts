/** `healer baseline [path]`: a person confirms the app is healthy; plugins record that reference (core-file baselines...). */
import type { Command } from 'commander';
import { isHealerError } from '@healer/core';
import { sessionAction, type RunContext } from '../command-context.js';
import { EXIT } from '../exit-codes.js';
import { diagnosisJson } from '../output/format-diagnosis.js';
import { readTargetOptions, withTargetOptions, type TargetOptions } from './target-options.js';

export function registerBaseline(program: Command, ctx: RunContext): void {
  withTargetOptions(program.command('baseline'))
    .description('Confirm the application is healthy now: diagnose it and record what healthy looks like (e.g. the WordPress core-file baseline). Refused while a check fails.')
    .action(
      sessionAction<TargetOptions>(ctx, async (session, [path], opts) => {
        const { target, request } = readTargetOptions(session, path, opts);
        let diagnosis;
        try {
          diagnosis = await session.healer.confirmHealthy(target, request.plugin ? { plugin: request.plugin } : {});
        } catch (e) {
          // Not healthy is an answer, like a failing diagnosis: exit 2, and nothing recorded.
          if (!isHealerError(e, 'NOT_HEALTHY')) throw e;
          if (session.out.json) session.out.printJson({ error: { code: e.code, message: e.message } });
          else session.out.lines([e.message]);
          return EXIT.FAIL;
        }
        if (session.out.json) session.out.printJson(diagnosisJson(diagnosis));
        else session.out.lines([`Recorded ${diagnosis.app.root} as healthy (health ${diagnosis.healthScore}/100): later diagnoses compare against it.`]);
        return EXIT.OK;
      }),
    );
}
