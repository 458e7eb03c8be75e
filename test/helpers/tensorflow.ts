// Whether the tensorflow backend (tfjs-node, built by scripts/setup-tensorflow.sh) is here: its
// tests skip, saying why, when it is not; where CI set it up (GRIDMIX_REQUIRE_TENSORFLOW=1) its
// absence is a failure instead.
import * as fs from 'fs';
import * as path from 'path';
import { REPO } from './cli';

export function tensorflowMissing(): string | undefined {
  const pkg = path.join(REPO, 'node_modules', '@tensorflow', 'tfjs-node');
  let reason: string | undefined;
  if (!fs.existsSync(path.join(pkg, 'package.json'))) reason = '@tensorflow/tfjs-node is not installed';
  else {
    const lib = path.join(pkg, 'lib');
    const built = fs.existsSync(lib) && fs.readdirSync(lib).some((d) => fs.existsSync(path.join(lib, d, 'tfjs_binding.node')));
    if (!built) reason = "@tensorflow/tfjs-node's addon is not built";
  }
  if (reason === undefined) return undefined;
  reason += '; run scripts/setup-tensorflow.sh';
  if (process.env.GRIDMIX_REQUIRE_TENSORFLOW === '1') throw new Error(`GRIDMIX_REQUIRE_TENSORFLOW=1: ${reason}`);
  return reason;
}
