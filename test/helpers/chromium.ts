// Whether Debian's headless Chromium is here (.ci/setup-chromium.sh installs it): the report's browser
// test skips, saying why, when it is absent, and fails instead where CI installed it
// (GRIDMIX_REQUIRE_CHROMIUM=1).
import * as fs from 'fs';

export const CHROMIUM = '/usr/bin/chromium';

/**
 * Flags that keep Chromium off the network and out of the user's profile: without them it tries to
 * reach Google's update, sync and field-trial servers (the user-data-dir is given per launch).
 */
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export function chromiumMissing(): string | undefined {
  let reason: string | undefined;
  if (!fs.existsSync(CHROMIUM)) reason = `${CHROMIUM} is absent (run .ci/setup-chromium.sh, or apt-get install chromium)`;
  else {
    try {
      require.resolve('playwright-core');
    } catch {
      reason = 'playwright-core is not installed (npm install: it is a devDependency)';
    }
  }
  if (reason && process.env.GRIDMIX_REQUIRE_CHROMIUM === '1') throw new Error(`GRIDMIX_REQUIRE_CHROMIUM=1: ${reason}`);
  return reason;
}
