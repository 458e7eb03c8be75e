// The commit of the gridmix checkout a run was made with (null outside a git checkout).
import { execFileSync } from 'child_process';
import * as path from 'path';

export function gitCommit(): string | null {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], {
      cwd: path.join(__dirname, '..', '..', '..'),
      stdio: ['ignore', 'pipe', 'ignore'],
    }).toString().trim();
  } catch {
    return null;
  }
}
