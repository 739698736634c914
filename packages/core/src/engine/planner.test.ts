import { describe, expect, it } from 'vitest';
import type { AppInfo, HealingAction, Mode, PlanContext, Risk, Step } from '../contract/plugin.js';
import { isHealerError, type HealerError } from '../errors.js';
import type { CheckResultEntry, Diagnosis, Plan } from '../schemas.js';
import { PlanSchema } from '../schemas.js';
import { selectRungs } from './heal-runner.js';
import { describeStep, fingerprintTarget, healableResults, planHealing, type PlanInput } from './planner.js';

const APP: AppInfo = {
  id: 'app-1',
  plugin: 'demo',
  stack: 'demo',
  version: '1.0.0',
  confidence: 0.9,
  evidence: [],
  metadata: {},
  root: '/srv/demo',
};

function result(id: string, status: CheckResultEntry['status'], extra: Partial<CheckResultEntry> = {}): CheckResultEntry {
  return {
    id,
    title: id,
    category: 'configuration',
    severity: 'medium',
    status,
    message: `${id} is ${status}`,
    details: {},
    evidence: [],
    fixes: [],
    durationMs: 1,
    ...extra,
  };
}

function diagnosis(results: CheckResultEntry[], app: Partial<Diagnosis['app']> = {}): Diagnosis {
  return {
    target: { host: 'local', path: APP.root },
    app: { id: APP.id, stack: APP.stack, version: '1.0.0', confidence: APP.confidence, plugin: APP.plugin, root: APP.root, ...app },
    status: 'fail',
    healthScore: 50,
    results,
    startedAt: '2030-01-01T00:00:00.000Z',
    durationMs: 5,
  };
}

function act(id: string, risk: Risk, fixes: string[], extra: Partial<HealingAction> = {}): HealingAction {
  return {
    id,
    title: `do ${id}`,
    risk,
    fixes,
    plan: () => [{ kind: 'run', command: ['touch', `${APP.root}/${id.replace('/', '-')}`], write: true }],
    ...extra,
  };
}

/** The planner only hands the context to preconditions() and plan(); these tests' actions read `results` and `nonce` from it. */
const fakeContext = (_action: HealingAction, results: CheckResultEntry[], nonce: string): PlanContext =>
  ({ app: APP, nonce, results: results.map((r) => ({ id: r.id, status: r.status, details: r.details })) }) as unknown as PlanContext;

function plan(results: CheckResultEntry[], actions: HealingAction[], mode: Mode = 'supervised', extra: Partial<PlanInput> = {}): Promise<Plan> {
  return planHealing({
    diagnosis: diagnosis(results),
    app: APP,
    mode,
    actions,
    context: fakeContext,
    redact: (t) => t,
    now: () => new Date('2030-01-01T00:00:00.000Z'),
    ...extra,
  }).then((p) => PlanSchema.parse(p.plan));
}

const RISKS: Risk[] = ['low', 'medium', 'high', 'critical'];
/** One failing check per risk, each fixed by one action of that risk. */
const tableResults = RISKS.map((r) => result(`demo/${r}-broken`, 'fail'));
const tableActions = RISKS.map((r) => act(`demo/${r}-fix`, r, [`demo/${r}-broken`]));

/** DESIGN.md, "Modes x risk": where each risk lands in each mode. */
const EXPECTED: Record<Mode, Record<Risk, 'autoHeal' | 'requireApproval' | 'explicitApproval'>> = {
  manual: { low: 'requireApproval', medium: 'requireApproval', high: 'requireApproval', critical: 'explicitApproval' },
  supervised: { low: 'autoHeal', medium: 'requireApproval', high: 'requireApproval', critical: 'explicitApproval' },
  auto: { low: 'autoHeal', medium: 'autoHeal', high: 'requireApproval', critical: 'explicitApproval' },
};

describe('planHealing: the whole mode x risk table', () => {
  for (const mode of ['manual', 'supervised', 'auto'] as const) {
    for (const risk of RISKS) {
      const bucket = EXPECTED[mode][risk];
      it(`${mode} x ${risk} -> ${bucket}`, async () => {
        const p = await plan(tableResults, tableActions, mode);
        const id = `demo/${risk}-fix`;
        const inAuto = p.autoHeal.find((a) => a.actionId === id);
        const inApproval = p.requireApproval.find((a) => a.actionId === id);
        if (bucket === 'autoHeal') {
          expect(inAuto).toBeDefined();
          expect(inApproval).toBeUndefined();
          expect(inAuto!.explicitApproval).toBe(false);
        } else {
          expect(inAuto).toBeUndefined();
          expect(inApproval).toBeDefined();
          expect(inApproval!.explicitApproval).toBe(bucket === 'explicitApproval');
        }
        expect(p.mode).toBe(mode);
        expect(p.cannotHeal).toEqual([]);
      });
    }
  }

  it('orders each bucket from low to critical', async () => {
    const p = await plan(tableResults, [...tableActions].reverse(), 'manual');
    expect(p.requireApproval.map((a) => a.risk)).toEqual(['low', 'medium', 'high', 'critical']);
  });

  it('marks a backup for medium and above, and for low actions that ask for one', async () => {
    const p = await plan(
      [...tableResults, result('demo/extra', 'fail')],
      [...tableActions, act('demo/careful', 'low', ['demo/extra'], { requiresBackup: true })],
      'auto',
    );
    const backup = Object.fromEntries([...p.autoHeal, ...p.requireApproval].map((a) => [a.actionId, a.backup]));
    expect(backup).toEqual({
      'demo/low-fix': false,
      'demo/careful': true,
      'demo/medium-fix': true,
      'demo/high-fix': true,
      'demo/critical-fix': true,
    });
  });
});

describe('planHealing: what gets planned', () => {
  it('a failed check no action fixes -> cannotHeal with its message', async () => {
    const p = await plan([result('demo/orphan', 'fail', { message: 'Nobody can fix this.' })], [act('demo/fix', 'low', ['demo/other'])]);
    expect(p.autoHeal).toEqual([]);
    expect(p.cannotHeal).toEqual([{ checkId: 'demo/orphan', reason: 'No action can fix this automatically: Nobody can fix this.' }]);
  });

  it('a precondition returning a reason -> cannotHeal with that reason', async () => {
    const guarded = act('demo/fix', 'low', ['demo/broken'], { preconditions: () => 'the service is not installed' });
    const p = await plan([result('demo/broken', 'fail')], [guarded]);
    expect(p.autoHeal).toEqual([]);
    expect(p.cannotHeal).toHaveLength(1);
    expect(p.cannotHeal[0]!.checkId).toBe('demo/broken');
    expect(p.cannotHeal[0]!.reason).toContain('demo/fix: the service is not installed');
  });

  it('a precondition that passes lets the action through, and sees the failing results', async () => {
    const seen: string[] = [];
    const guarded = act('demo/fix', 'low', ['demo/broken'], {
      preconditions: (ctx) => {
        seen.push(...ctx.results.map((r) => `${r.id}=${r.status}`));
        return true;
      },
    });
    const p = await plan([result('demo/broken', 'fail'), result('demo/fine', 'pass')], [guarded]);
    expect(p.autoHeal.map((a) => a.actionId)).toEqual(['demo/fix']);
    expect(seen).toEqual(['demo/broken=fail']);
  });

  it('plan() throwing -> cannotHeal naming the action and the error; other actions still planned', async () => {
    const broken = act('demo/a-fix', 'low', ['demo/a'], {
      plan: () => {
        throw new Error('cannot read wp-config.php');
      },
    });
    const p = await plan([result('demo/a', 'fail'), result('demo/b', 'fail')], [broken, act('demo/b-fix', 'low', ['demo/b'])]);
    expect(p.autoHeal.map((a) => a.actionId)).toEqual(['demo/b-fix']);
    expect(p.cannotHeal).toEqual([{ checkId: 'demo/a', reason: expect.stringContaining('demo/a-fix: could not plan (cannot read wp-config.php)') }]);
  });

  it('a step that cannot be rendered (NUL in an argument) -> cannotHeal, not a failed plan', async () => {
    const nul = act('demo/a-fix', 'low', ['demo/a'], { plan: () => [{ kind: 'run', command: ['echo', 'a\0b'], write: false }] });
    const p = await plan([result('demo/a', 'fail'), result('demo/b', 'fail')], [nul, act('demo/b-fix', 'low', ['demo/b'])]);
    expect(p.autoHeal.map((a) => a.actionId)).toEqual(['demo/b-fix']);
    expect(p.cannotHeal.map((c) => c.checkId)).toEqual(['demo/a']);
    expect(p.cannotHeal[0]!.reason).toContain('NUL');
  });

  it('a step path that is not absolute -> cannotHeal at plan time, naming the step and the path', async () => {
    const relative: Step[][] = [
      [{ kind: 'remove', path: '.maintenance' }],
      [{ kind: 'write-file', path: 'wp-config.php', content: 'x' }],
      [{ kind: 'chmod', path: 'uploads', mode: 0o755 }],
      [{ kind: 'rename', from: '/srv/app/a', to: 'b' }],
    ];
    for (const steps of relative) {
      const p = await plan([result('demo/a', 'fail')], [act('demo/a-fix', 'low', ['demo/a'], { plan: () => steps })]);
      expect(p.autoHeal).toEqual([]);
      expect(p.cannotHeal).toHaveLength(1);
      expect(p.cannotHeal[0]!.reason).toMatch(/demo\/a-fix: could not plan \(The (remove|write-file|chmod|rename) step (path|destination) must be absolute/);
    }
  });

  it('when one action cannot help but another can, the check is healable', async () => {
    const p = await plan(
      [result('demo/broken', 'fail')],
      [act('demo/first', 'low', ['demo/broken'], { preconditions: () => 'not here' }), act('demo/second', 'medium', ['demo/broken'])],
      'auto',
    );
    expect(p.autoHeal.map((a) => a.actionId)).toEqual(['demo/second']);
    expect(p.cannotHeal).toEqual([]);
  });

  it('a warn with fixes is planned; a warn without is not; pass, skip and error are never planned', async () => {
    const results = [
      result('demo/warn-fixable', 'warn', { fixes: ['demo/by-result'] }),
      result('demo/warn-plain', 'warn'),
      result('demo/passing', 'pass'),
      result('demo/skipped', 'skip'),
      result('demo/errored', 'error'),
    ];
    const actions = [
      act('demo/by-result', 'low', ['demo/something-else']),
      act('demo/for-plain-warn', 'low', ['demo/warn-plain']),
      act('demo/for-others', 'low', ['demo/passing', 'demo/skipped', 'demo/errored']),
    ];
    expect(healableResults(results).map((r) => r.id)).toEqual(['demo/warn-fixable']);
    const p = await plan(results, actions);
    expect(p.autoHeal.map((a) => a.actionId)).toEqual(['demo/by-result']);
    expect(p.autoHeal[0]!.fixes).toEqual(['demo/warn-fixable']);
    expect(p.requireApproval).toEqual([]);
    expect(p.cannotHeal).toEqual([]);
    // The plan says why the action aimed at the plain warning was left out; nothing about pass, skip or error.
    expect(p.notPlanned).toEqual([
      {
        checkId: 'demo/warn-plain',
        actionId: 'demo/for-plain-warn',
        reason: "demo/warn-plain only warned and its result names no fixes: a warning is healed only when its result lists the action (fixes: ['demo/for-plain-warn'])",
      },
    ]);
  });

  it('one action that fixes two failing checks is planned once, listing both', async () => {
    const p = await plan([result('demo/a', 'fail'), result('demo/b', 'fail')], [act('demo/both', 'low', ['demo/a', 'demo/b'])]);
    expect(p.autoHeal).toHaveLength(1);
    expect(p.autoHeal[0]!.fixes).toEqual(['demo/a', 'demo/b']);
  });

  it('redacts step displays', async () => {
    const secretful = act('demo/fix', 'low', ['demo/broken'], {
      plan: () => [{ kind: 'run', command: ['mysql', '--password=hunter2'], write: true, description: 'uses hunter2' }],
    });
    const p = await plan([result('demo/broken', 'fail')], [secretful], 'supervised', { redact: (t) => t.replaceAll('hunter2', '***') });
    expect(JSON.stringify(p)).not.toContain('hunter2');
    expect(p.autoHeal[0]!.steps[0]!.display).toContain('***');
  });
});

describe('plan hash and fingerprint', () => {
  const results = [result('demo/a', 'fail'), result('demo/b', 'fail')];
  const actions = [act('demo/a-fix', 'low', ['demo/a']), act('demo/b-fix', 'medium', ['demo/b'])];

  it('the plan hash is stable across runs and across the order of actions and results', async () => {
    const one = await plan(results, actions, 'auto', { now: () => new Date('2030-01-01') });
    const two = await plan([...results].reverse(), [...actions].reverse(), 'auto', { now: () => new Date('2031-06-01') });
    expect(one.planHash).toMatch(/^[0-9a-f]{64}$/);
    expect(two.planHash).toBe(one.planHash);
    expect(two.fingerprint).toBe(one.fingerprint);
  });

  it('the plan hash changes when a step changes, including a file content of the same length', async () => {
    const base = await plan(results, actions, 'auto');
    const otherArg = await plan(results, [act('demo/a-fix', 'low', ['demo/a'], { plan: () => [{ kind: 'run', command: ['touch', '/srv/demo/other'], write: true }] }), actions[1]!], 'auto');
    expect(otherArg.planHash).not.toBe(base.planHash);

    const writing = (content: string): HealingAction =>
      act('demo/a-fix', 'low', ['demo/a'], { plan: (): Step[] => [{ kind: 'write-file', path: '/srv/demo/config.json', content }] });
    const ok = await plan(results, [writing('{"debug":false}'), actions[1]!], 'auto');
    const evil = await plan(results, [writing('{"debug":true!}'), actions[1]!], 'auto');
    expect(ok.planHash).not.toBe(evil.planHash);
  });

  it('each planned action gets its own random nonce, recorded in the plan; the hash does not depend on its value', async () => {
    // A scratch name made from the nonce, as nextjs/rebuild does.
    const scratch = act('demo/a-fix', 'low', ['demo/a'], {
      plan: (ctx): Step[] => [{ kind: 'rename', from: '/srv/demo/cache', to: `/srv/demo/cache.aside-${ctx.nonce}` }],
    });
    const one = await plan(results, [scratch, actions[1]!], 'auto');
    const two = await plan(results, [scratch, actions[1]!], 'auto');
    const [a1, a2] = [one.autoHeal.find((a) => a.actionId === 'demo/a-fix')!, two.autoHeal.find((a) => a.actionId === 'demo/a-fix')!];
    expect(a1.nonce).toMatch(/^[0-9a-f]{16}$/);
    expect(a2.nonce).not.toBe(a1.nonce);
    expect(one.autoHeal.find((a) => a.actionId === 'demo/b-fix')!.nonce).not.toBe(a1.nonce);
    expect(a1.steps[0]!.display).toContain(`cache.aside-${a1.nonce}`);
    expect(two.planHash).toBe(one.planHash);
    // Only the nonce is masked: another name is another plan.
    const other = act('demo/a-fix', 'low', ['demo/a'], {
      plan: (ctx): Step[] => [{ kind: 'rename', from: '/srv/demo/cache', to: `/srv/demo/cache.other-${ctx.nonce}` }],
    });
    expect((await plan(results, [other, actions[1]!], 'auto')).planHash).not.toBe(one.planHash);
  });

  it('the plan hash changes when an action risk changes or an action is added', async () => {
    const base = await plan(results, actions, 'auto');
    const riskier = await plan(results, [act('demo/a-fix', 'medium', ['demo/a']), actions[1]!], 'auto');
    const more = await plan(results, [...actions, act('demo/extra', 'low', ['demo/b'])], 'auto');
    expect(riskier.planHash).not.toBe(base.planHash);
    expect(more.planHash).not.toBe(base.planHash);
  });

  it('the fingerprint changes when a failing check changes, not when a passing one does', () => {
    const base = fingerprintTarget(diagnosis([result('demo/a', 'fail'), result('demo/ok', 'pass')]));
    expect(fingerprintTarget(diagnosis([result('demo/a', 'fail'), result('demo/ok', 'pass', { message: 'other', durationMs: 99 })]))).toBe(base);
    expect(fingerprintTarget(diagnosis([result('demo/ok', 'pass'), result('demo/a', 'fail')]))).toBe(base);
    expect(fingerprintTarget(diagnosis([result('demo/a', 'warn'), result('demo/ok', 'pass')]))).not.toBe(base);
    expect(fingerprintTarget(diagnosis([result('demo/a', 'fail'), result('demo/ok', 'fail')]))).not.toBe(base);
    expect(fingerprintTarget(diagnosis([result('demo/a', 'pass'), result('demo/ok', 'pass')]))).not.toBe(base);
    expect(fingerprintTarget(diagnosis([result('demo/a', 'fail'), result('demo/ok', 'pass')], { version: '1.0.1' }))).not.toBe(base);
  });
});

describe('selectRungs', () => {
  const all = async (): Promise<Plan> => plan(tableResults, [...tableActions].reverse(), 'supervised');

  function refused(fn: () => unknown): HealerError {
    try {
      fn();
    } catch (e) {
      if (isHealerError(e)) return e;
      throw e;
    }
    throw new Error('expected a refusal');
  }

  it('without approval runs only the auto bucket', async () => {
    expect(selectRungs(await all(), undefined).map((a) => a.actionId)).toEqual(['demo/low-fix']);
  });

  it('`all` approves every approval-gated action except critical, in order low -> high', async () => {
    const p = await all();
    const rungs = selectRungs(p, { all: true, planHash: p.planHash, fingerprint: p.fingerprint });
    expect(rungs.map((a) => a.risk)).toEqual(['low', 'medium', 'high']);
  });

  it('an explicit id approves a critical action; the ladder goes low -> critical', async () => {
    const p = await all();
    const rungs = selectRungs(p, { all: true, actions: ['demo/critical-fix'] });
    expect(rungs.map((a) => a.risk)).toEqual(['low', 'medium', 'high', 'critical']);
    expect(selectRungs(p, { actions: ['demo/critical-fix'] }).map((a) => a.actionId)).toEqual(['demo/low-fix', 'demo/critical-fix']);
  });

  it('a stale plan hash is APPROVAL_STALE with a message that says what to do', async () => {
    const p = await all();
    const err = refused(() => selectRungs(p, { all: true, planHash: 'f'.repeat(64) }));
    expect(err.code).toBe('APPROVAL_STALE');
    expect(err.message).toContain('ffffffffffff');
    expect(err.message).toContain(p.planHash.slice(0, 12));
    expect(err.message).toMatch(/approve again/);
  });

  it('a stale fingerprint is APPROVAL_STALE saying the application changed', async () => {
    const p = await all();
    const err = refused(() => selectRungs(p, { actions: ['demo/high-fix'], planHash: p.planHash, fingerprint: 'old' }));
    expect(err.code).toBe('APPROVAL_STALE');
    expect(err.message).toMatch(/application changed/);
  });

  it('approving an action that is not in the plan is APPROVAL_INVALID listing what is planned', async () => {
    const p = await all();
    const err = refused(() => selectRungs(p, { actions: ['demo/nonexistent'] }));
    expect(err.code).toBe('APPROVAL_INVALID');
    expect(err.message).toContain('demo/nonexistent');
    expect(err.message).toContain('demo/critical-fix');
  });
});

describe('describeStep', () => {
  it('renders argv through the quoting function: a hostile argument shows quoted', () => {
    const step = describeStep({ kind: 'run', command: ['rm', '-f', '$(touch CANARY); rm -rf ~'], write: true });
    expect(step).toEqual({ kind: 'run', write: true, display: `rm -f '$(touch CANARY); rm -rf ~'` });
  });

  it('renders cwd and env, quoted', () => {
    const step = describeStep({ kind: 'run', command: ['wp', 'plugin', 'list'], cwd: '/srv/my site', env: { HOME: "/it's" }, write: false });
    expect(step.display).toBe(`cd -- '/srv/my site' && env -- 'HOME=/it'\\''s' wp plugin list`);
    expect(step.write).toBe(false);
  });

  it('quotes paths of file edits, so a hostile name reads as one word', () => {
    expect(describeStep({ kind: 'remove', path: '/srv/a b; rm -rf ~' }).display).toBe(`remove '/srv/a b; rm -rf ~'`);
    expect(describeStep({ kind: 'rename', from: '/srv/x', to: '/srv/$(id)' }).display).toBe(`rename /srv/x -> '/srv/$(id)'`);
    expect(describeStep({ kind: 'chmod', path: '/srv/x', mode: 0o640 }).display).toBe('chmod 0640 /srv/x');
  });

  it('a file write shows its size, mode and a digest of its content', () => {
    const a = describeStep({ kind: 'write-file', path: '/srv/x', content: 'héllo', mode: 0o600, description: 'write it' });
    expect(a.display).toMatch(/^write \/srv\/x \(6 bytes, mode 0600, sha256 [0-9a-f]{12}\)$/);
    expect(a.description).toBe('write it');
    expect(a.write).toBe(true);
    const b = describeStep({ kind: 'write-file', path: '/srv/x', content: 'hëllo', mode: 0o600 });
    expect(b.display).not.toBe(a.display);
  });

  it('a note keeps its own write flag and is redacted', () => {
    const note = describeStep({ kind: 'note', write: false, description: 'restart with token s3cret' }, (t) => t.replace('s3cret', '***'));
    expect(note).toEqual({ kind: 'note', write: false, display: 'restart with token ***' });
  });
});

describe('outage first', () => {
  const down = result('demo/answers', 'fail', { category: 'availability', details: { url: 'http://site.invalid/' } });
  const fatal = result('demo/fatal', 'fail', { category: 'availability' });
  const perms = result('demo/permissions', 'fail', { category: 'security' });
  const htaccess = result('demo/htaccess', 'fail', { category: 'configuration' });
  const actions = [act('demo/fix-fatal', 'low', ['demo/fatal']), act('demo/fix-perms', 'low', ['demo/permissions']), act('demo/fix-htaccess', 'low', ['demo/htaccess'])];

  it('while the app does not answer, plans only what addresses the outage and defers hygiene', async () => {
    const p = await plan([down, fatal, perms, htaccess], actions, 'auto');
    expect(p.autoHeal.map((a) => a.actionId)).toEqual(['demo/fix-fatal']);
    expect(p.deferred.map((a) => [a.actionId, a.fixes])).toEqual([
      ['demo/fix-perms', ['demo/permissions']],
      ['demo/fix-htaccess', ['demo/htaccess']],
    ]);
    expect(p.cannotHeal.map((c) => c.checkId)).toEqual(['demo/answers']);
  });

  it('a critical configuration finding may be the outage itself (a missing build): its fix is not deferred', async () => {
    const noBuild = result('demo/build-exists', 'fail', { category: 'configuration', severity: 'critical' });
    const p = await plan([down, noBuild, perms], [...actions, act('demo/rebuild', 'low', ['demo/build-exists'])], 'auto');
    expect(p.autoHeal.map((a) => a.actionId)).toEqual(['demo/rebuild']);
    expect(p.deferred.map((a) => a.actionId)).toEqual(['demo/fix-perms']);
  });

  it('once the app answers, hygiene is planned as usual', async () => {
    const p = await plan([result('demo/answers', 'pass', { category: 'availability', details: { url: 'http://site.invalid/' } }), perms, htaccess], actions, 'auto');
    expect(p.autoHeal.map((a) => a.actionId).sort()).toEqual(['demo/fix-htaccess', 'demo/fix-perms']);
    expect(p.deferred).toEqual([]);
  });
});
