// The built addon knows the oneDNN it was compiled against (the headers' DNNL_VERSION_*, baked in)
// and the library it loaded: the build's status line, the headers it names, the addon and
// src/engine/native's nativeKernelsVersion (what `gridmix doctor` and summary.json read) agree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO } from '../helpers/cli';
import { nativeAddonMissing } from '../helpers/native';
import { loadNativeAddon } from '../../src/engine/native/addon';
import { nativeKernelsVersion } from '../../src/engine/native';

interface BuildPieces {
  dnnlVersion(versionHeader: string): { major: number; minor: number; patch: number } | undefined;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const pieces = require(path.join(REPO, 'scripts', 'build-native.js')) as BuildPieces;

test('the addon reports the oneDNN version of the headers it was built against, and loads the same major', (t) => {
  const missing = nativeAddonMissing();
  if (missing) {
    t.skip(missing);
    return;
  }
  const status = fs.readFileSync(path.join(REPO, 'native', 'build', 'status.txt'), 'utf8').trim();
  const match = /against oneDNN (\d+\.\d+\.\d+) \((.+)\)$/.exec(status);
  assert.ok(match, `status.txt names the version and the header: ${status}`);
  const [, statusVersion, header] = match;
  const fromHeader = pieces.dnnlVersion(path.join(path.dirname(header), 'dnnl_version.h'));
  assert.ok(fromHeader, `dnnl_version.h beside ${header}`);
  assert.equal(statusVersion, `${fromHeader.major}.${fromHeader.minor}.${fromHeader.patch}`);

  const addon = loadNativeAddon().addon;
  assert.ok(addon, 'the addon loads');
  const versions = addon.versions();
  assert.equal(versions.builtAgainst, statusVersion, 'the version compiled into the addon is that of the headers the build named');
  assert.equal(versions.loaded.split('.')[0], versions.builtAgainst.split('.')[0], 'the library loaded has the same major');
  const expectedInfo = versions.loaded === versions.builtAgainst ? `oneDNN ${versions.loaded} (` : `oneDNN ${versions.loaded}, built against ${versions.builtAgainst} (`;
  assert.ok(addon.info().startsWith(expectedInfo), addon.info());
  assert.deepEqual(nativeKernelsVersion(), { ok: true, ...versions });
  t.diagnostic(`oneDNN built against ${versions.builtAgainst}, loaded ${versions.loaded}`);
});
