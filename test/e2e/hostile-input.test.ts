// What a hostile new user tried: names that climb out of results/, paths and names too long for the
// filesystem, YAML alias bombs, repeated seeds, bad flags blamed on the file, NaN shown as null,
// unbounded preview counts. Each must end in one clear line, exit 1, no stack trace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { gridmix, tempDir, writeConfig } from '../helpers/cli';

const GOOD = `
name: t
backend: wasm
dataset: { name: fashion-mnist-mini, trainLimit: 20, testLimit: 20 }
backbone: { name: vgg_small }
method: { name: gridmix }
training: { epochs: 1, batchSize: 10 }
`;

/** Runs gridmix and checks: exit 1, one line on stderr (commander's usage hint aside) matching `pattern`, no stack. */
function oneLine(args: string[], pattern: RegExp): string {
  const r = gridmix(args);
  assert.equal(r.code, 1, `exit code for ${args.join(' ').slice(0, 200)}: ${r.stdout}${r.stderr}`);
  const lines = r.stderr.trim().split('\n').filter((l) => !l.startsWith('(run with --help'));
  assert.equal(lines.length, 1, `one line, got:\n${r.stderr}`);
  assert.match(lines[0], pattern);
  assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack trace');
  return lines[0];
}

test('a name that is not one folder under results/, or too long for one, is a config error', () => {
  const dir = tempDir('names');
  const named = (file: string, name: string) => writeConfig(dir, file, GOOD.replace('name: t', `name: "${name}"`));
  for (const name of ['..', '.']) {
    oneLine(['train', '--config', named(`dots${name.length}.yaml`, name), '--dry-run'], /config error in .*: name: got "\.\.?"; expected one folder name .*\(not "\." or "\.\."\)/);
  }
  oneLine(['train', '--config', named('long.yaml', 'x'.repeat(300)), '--out', path.join(dir, 'runs')], /name: got "x{20,}\.\.\.; expected one folder name of up to 100/);
  assert.ok(!fs.existsSync(path.join(dir, '..', 'seed-0')), 'nothing was written above the results folder');
});

test('an --out path over the system limits, and a YAML alias bomb: one line each', () => {
  const dir = tempDir('limits');
  const config = writeConfig(dir, 'good.yaml', GOOD);
  const long = path.join(dir, ...Array.from({ length: 25 }, (_, i) => `${i}`.padEnd(200, 'x')));
  oneLine(['train', '--config', config, '--out', long], /cannot write .*: the path is too long/);
  const levels = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
  for (const [i, name] of ['b', 'c', 'd', 'e', 'f', 'g'].entries()) {
    const prev = 'abcdefg'[i];
    levels.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`);
  }
  const bomb = writeConfig(dir, 'bomb.yaml', `${levels.join('\n')}\n`);
  oneLine(['train', '--config', bomb, '--out', path.join(dir, 'runs')], /config .*bomb\.yaml: Excessive alias count refused: the aliases expand to too many values/);
});

test('repeated seeds, --backend and --out blamed on the flag, not on the config file', () => {
  const dir = tempDir('flags');
  const config = writeConfig(dir, 'good.yaml', GOOD);
  const out = ['--out', path.join(dir, 'runs')]; // where a regression would train: never the repository's results/
  oneLine(['train', '--config', config, ...out, '--seeds', '1,1'], /--seeds <list>.*lists seed 1 twice \("1,1"\); each seed is one run/);
  oneLine(['train', '--config', writeConfig(dir, 'seeds.yaml', `${GOOD}seeds: [1, 1]\n`), ...out], /seeds: got \[1,1\]; expected each seed once/);
  const backend = oneLine(['train', '--config', config, ...out, '--backend', 'foo'], /^gridmix: --backend: "foo" is not allowed; use one of: auto, tensorflow, webgpu, wasm, cpu$/);
  assert.doesNotMatch(backend, /config error/);
  const emptyOut = oneLine(['train', '--config', config, '--out', ''], /^gridmix: --out: an empty path names no folder; give a folder path$/);
  assert.doesNotMatch(emptyOut, /config error/);
  oneLine(['ablate', '--config', config, ...out, '--backend', 'gpu'], /^gridmix: --backend: "gpu" is not allowed/);
  oneLine(['report', '--results', ''], /^gridmix: --results: an empty path names no folder/);
});

test('messages: NaN named as NaN, plain words instead of raw schema text, each grid key under its own name, no doubled prefix', () => {
  const dir = tempDir('messages');
  const bad = (file: string, patch: string) => writeConfig(dir, file, `${GOOD}${patch}\n`.replace(/^method: .*$/m, '').replace(/^training: .*$/m, ''));
  const method = (extra: string) => `method: { name: gridmix${extra} }\ntraining: { epochs: 1, batchSize: 10 }`;
  const training = (extra: string) => `method: { name: gridmix }\ntraining: { epochs: 1, batchSize: 10${extra} }`;
  oneLine(['train', '--config', bad('nan.yaml', method(', p: .nan')), '--dry-run'], /method\.p: got NaN; expected a number in \(0, 1\]/);
  const momentum = oneLine(['train', '--config', bad('momentum.yaml', training(', optimizer: { momentum: 1.5 }')), '--dry-run'], /training\.optimizer\.momentum: got 1\.5; expected a number < 1$/);
  assert.doesNotMatch(momentum, /Too big|Too small|Invalid/);
  oneLine(['train', '--config', bad('milestones.yaml', training(', schedule: { milestones: "x" }')), '--dry-run'], /training\.schedule\.milestones: got "x"; expected a list$/);
  oneLine(['train', '--config', bad('choices.yaml', method(', grid: random, gridChoices: [2, 40]')), '--dry-run'], /method\.gridChoices: got 40; a grid cannot be finer than the 28x28 images/);
  const twoKinds = oneLine(['eval', '--checkpoint', dir, '--test', '--localization'], /^gridmix: eval: give exactly one of --test, --imagenet-a, --localization$/);
  assert.doesNotMatch(twoKinds, /gridmix: gridmix/);
});

test('preview: --alpha 0 is refused as in a config, and --count has a bound that says why', () => {
  const dir = tempDir('preview-bounds');
  const base = ['preview', '--dataset', 'fashion-mnist-mini', '--out', dir];
  oneLine([...base, '--method', 'mixup', '--alpha', '0'], /--alpha: 0 is not allowed; use a number > 0/);
  oneLine([...base, '--method', 'gridmix', '--count', '1000000000'], /--count: 1000000000 is more than 1000, the most one preview writes \(every sample's pixels, mask and labels are held in memory/);
  assert.deepEqual(fs.readdirSync(dir), [], 'nothing written');
});

test('a dataset root that holds no copy is an error, not a silent fall-back to another copy', () => {
  const dir = tempDir('data-root');
  const empty = path.join(dir, 'empty');
  fs.mkdirSync(empty);
  const mini = writeConfig(dir, 'mini.yaml', GOOD.replace('name: fashion-mnist-mini,', `name: fashion-mnist-mini, root: ${empty},`));
  oneLine(['train', '--config', mini, '--out', path.join(dir, 'r1')], /dataset "fashion-mnist-mini" not found in the folder given, .*empty: it is the copy shipped in .*data\/fashion-mnist-mini and takes no root/);
  // With Debian's copy installed, the old reader fell back to it; without, the reader's own message says where it looked.
  const full = writeConfig(dir, 'full.yaml', GOOD.replace('name: fashion-mnist-mini,', `name: fashion-mnist, root: ${empty},`));
  oneLine(['train', '--config', full, '--out', path.join(dir, 'r2')], /dataset "fashion-mnist" not found (in the folder given, .*empty: a root given is the only place looked in|; looked in: .*empty)/);
  assert.ok(!fs.existsSync(path.join(dir, 'r2', 'seed-0', 'summary.json')), 'nothing trained');
});
