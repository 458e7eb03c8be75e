// The training-curve charts of the HTML report as PNG files, one per group of finished runs (for
// documents that cannot hold the HTML, such as the README).
// Usage: node dist/scripts/curve-pictures.js [results dir] [out dir]
import * as fs from 'fs';
import * as path from 'path';
import { collectRuns } from '../src/report/collect';
import { curveGroups, curveSpec, groupPoints } from '../src/report/curves';
import { renderSvg, svgToPng } from '../src/report/vega-render';

async function main(): Promise<void> {
  const results = process.argv[2] ?? 'results';
  const out = process.argv[3] ?? path.join(results, 'report');
  const { groups, problems } = curveGroups(collectRuns(results));
  for (const p of problems) console.log(`skipped ${p.dir}: ${p.reason}`);
  fs.mkdirSync(out, { recursive: true });
  for (const [i, group] of groups.entries()) {
    const file = path.join(out, `curves-${i + 1}.png`);
    fs.writeFileSync(file, await svgToPng(await renderSvg(curveSpec(group, groupPoints(group, results))), 110));
    console.log(`${file}: ${group.title}`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
