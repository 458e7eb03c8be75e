// Prints which backends the per-backend tests run on here (GRIDMIX_TEST_BACKENDS, else what is
// installed) and why not on the others, in one line: the test runner's and CI's last word.
import { testBackendStatuses } from './backend';

void testBackendStatuses().then((statuses) => {
  const ran = statuses.filter((s) => s.listed).map((s) => s.name + (s.detail ? ` (${s.detail})` : ''));
  const not = statuses.filter((s) => !s.listed).map((s) => `${s.name} (${s.reason})`);
  console.log(`backends: the per-backend tests ran on ${ran.join(', ')}${not.length ? `; not on ${not.join('; ')}` : ''}`);
});
