// SSH transport benchmarks against a real OpenSSH sshd on 127.0.0.1, each
// figure measured in this run and printed as a ratio against its baseline:
//   1. per-command median: persistent shell vs exec channel vs local vs a fresh ssh process;
//   2. diagnosing 20 app folders over SSH vs locally;
//   3. discovering 1,000 app folders over SSH vs one raw find over one ssh command;
//   4. 20 probe commands: an Ansible playbook (ControlPersist + pipelining) vs the SSH executor.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHealer, LocalExecutor, SshExecutor } from '@healer/core';
import { sshOptions, startSshd, testappFiles, testappPlugin, writeTree } from '@healer/test-utils';

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (n) => `${n.toFixed(n < 10 ? 2 : 0)} ms`;
const ratio = (a, b) => `${(a / b).toFixed(2)}x`;
async function timeEach(n, fn) {
  const out = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn(i);
    out.push(performance.now() - t);
  }
  return out;
}
async function timeOnce(fn) {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

const sshd = await startSshd({ maxSessions: 20 });
const work = await mkdtemp(join(tmpdir(), 'healer-bench-ssh-'));
const sshArgs = ['-i', sshd.identityFile, '-p', String(sshd.port), '-o', `UserKnownHostsFile=${sshd.knownHostsFile}`, '-o', 'BatchMode=yes', `${sshd.user}@127.0.0.1`];
const rawSsh = (cmd) => {
  const r = spawnSync('ssh', [...sshArgs, cmd], { maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`ssh failed: ${r.stderr}`);
  return r.stdout;
};

try {
  // 1. Per command.
  const shell = new SshExecutor(sshOptions(sshd));
  const channels = new SshExecutor({ ...sshOptions(sshd), forceExecChannels: true });
  const local = new LocalExecutor();
  for (const e of [shell, channels, local]) for (let i = 0; i < 5; i++) await e.run(['true']);
  const tShell = median(await timeEach(300, () => shell.run(['true'])));
  const tChan = median(await timeEach(40, () => channels.run(['true'])));
  const tLocal = median(await timeEach(300, () => local.run(['true'])));
  const tProc = median(await timeEach(10, () => rawSsh('true')));
  console.log('1. one command (`true`), median');
  console.log(`   persistent remote shell     ${ms(tShell)}   1.00x   (aim <= 3 ms)`);
  console.log(`   exec channel per command    ${ms(tChan)}   ${ratio(tChan, tShell)} slower (aim >= 20x)`);
  console.log(`   fresh ssh process           ${ms(tProc)}   ${ratio(tProc, tShell)} slower`);
  console.log(`   local child process         ${ms(tLocal)}   ${ratio(tShell, tLocal)} (ssh / local)`);
  await channels.close();

  // 2. Diagnose 20 app folders.
  const apps = join(work, 'apps');
  for (let i = 0; i < 20; i++) await writeTree(join(apps, `app-${i}`), testappFiles('ok'));
  const diagnoseAll = (executor) => async () => {
    const healer = createHealer({ plugins: [testappPlugin], executor });
    for (let i = 0; i < 20; i++) await healer.diagnose(join(apps, `app-${i}`));
  };
  await diagnoseAll(local)();
  await diagnoseAll(shell)();
  const dLocal = median([await timeOnce(diagnoseAll(local)), await timeOnce(diagnoseAll(local)), await timeOnce(diagnoseAll(local))]);
  const dSsh = median([await timeOnce(diagnoseAll(shell)), await timeOnce(diagnoseAll(shell)), await timeOnce(diagnoseAll(shell))]);
  console.log('2. diagnose 20 app folders (plugin checks + shared checks), median of 3');
  console.log(`   local                       ${ms(dLocal)}   1.00x`);
  console.log(`   over SSH                    ${ms(dSsh)}   ${ratio(dSsh, dLocal)}   (aim <= 1.5x)`);
  await shell.close();

  // 3. Discover 1,000 app folders: a fresh connection each time, like the raw ssh + find.
  const fleet = join(work, 'fleet');
  for (let i = 0; i < 1000; i++) {
    const d = join(fleet, `group-${Math.floor(i / 50)}`, `site-${i}`);
    await mkdir(d, { recursive: true });
    await writeFile(join(d, 'testapp.json'), JSON.stringify({ name: `site-${i}`, version: '1.0.0', status: 'ok' }));
  }
  const findCmd = `find ${fleet}/. -maxdepth 6 \\( -name node_modules -o -name vendor -o -name .git \\) -prune -o -name testapp.json -print0`;
  const raw = [];
  const ours = [];
  let count = 0;
  for (let round = 0; round < 3; round++) {
    raw.push(await timeOnce(async () => rawSsh(findCmd)));
    ours.push(
      await timeOnce(async () => {
        const exec = new SshExecutor(sshOptions(sshd));
        const healer = createHealer({ plugins: [testappPlugin], executor: exec });
        const found = await healer.discover([fleet]);
        count = found.filter((f) => f.app).length;
        await exec.close();
      }),
    );
  }
  console.log(`3. discover 1,000 app folders (found and detected ${count}), median of 3`);
  console.log(`   raw find over one ssh       ${ms(median(raw))}   1.00x`);
  console.log(`   healer discover over SSH    ${ms(median(ours))}   ${ratio(median(ours), median(raw))}   (aim <= 1.5x; includes connecting and detecting each)`);

  // 4. Ansible: the same 20 probes.
  const probes = ['uname -srm', 'cat /proc/loadavg', 'df -P -B1 /', 'df -P -i /', 'cat /proc/meminfo', 'nproc', 'id -u', 'hostname', 'date +%s', 'ls /etc', 'ps -eo pid,comm', 'cat /etc/os-release', 'uptime', 'ls /var', 'test -d /tmp', 'whoami', 'getconf PAGESIZE', 'ls /usr/bin', 'cat /proc/version', 'true'];
  let ansibleLine = '   ansible-playbook not installed: skipped';
  try {
    execFileSync('ansible-playbook', ['--version'], { stdio: 'ignore' });
    const ad = join(work, 'ansible');
    await mkdir(ad, { recursive: true });
    await writeFile(join(ad, 'ansible.cfg'), `[defaults]\nhost_key_checking = True\ngathering = explicit\nstdout_callback = default\nretry_files_enabled = False\ninterpreter_python = /usr/bin/python3\n[ssh_connection]\npipelining = True\nssh_args = -o ControlMaster=auto -o ControlPersist=60s -o UserKnownHostsFile=${sshd.knownHostsFile}\ncontrol_path = ${ad}/cp-%%h-%%p-%%r\n`);
    await writeFile(join(ad, 'inventory.ini'), `target ansible_host=127.0.0.1 ansible_port=${sshd.port} ansible_user=${sshd.user} ansible_ssh_private_key_file=${sshd.identityFile}\n`);
    await writeFile(join(ad, 'play.yml'), `- hosts: target\n  gather_facts: false\n  tasks:\n${probes.map((p, i) => `    - name: probe ${i}\n      ansible.builtin.command: ${JSON.stringify(p)}\n      changed_when: false\n`).join('')}`);
    const runAnsible = () => {
      const r = spawnSync('ansible-playbook', ['-i', 'inventory.ini', 'play.yml'], { cwd: ad, env: { ...process.env, ANSIBLE_CONFIG: join(ad, 'ansible.cfg') }, encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`ansible failed: ${r.stdout}\n${r.stderr}`);
    };
    runAnsible();
    const tAnsible = median([await timeOnce(async () => runAnsible()), await timeOnce(async () => runAnsible())]);
    const runOurs = async () => {
      const exec = new SshExecutor(sshOptions(sshd));
      for (const p of probes) await exec.run({ script: p });
      await exec.close();
    };
    await runOurs();
    const tOurs = median([await timeOnce(runOurs), await timeOnce(runOurs), await timeOnce(runOurs)]);
    ansibleLine = `   ansible-playbook            ${ms(tAnsible)}   1.00x\n   SshExecutor (new connection) ${ms(tOurs)}   ${ratio(tAnsible, tOurs)} faster (aim >= 50x)`;
  } catch (e) {
    ansibleLine = `   ansible run failed: ${e.message.split('\n')[0]}`;
  }
  console.log('4. 20 probe commands, median');
  console.log(ansibleLine);
} finally {
  await sshd.stop();
  await rm(work, { recursive: true, force: true });
}
