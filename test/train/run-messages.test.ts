// Small decisions a run reports: a worker count above the cores, the samples.png captions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { workersWarning } from '../../src/train/data-parallel/workers-backend';
import { sampleCaption } from '../../src/train/mixed-samples';
import { captionLayout } from '../../src/report/sample-grid';
import { counted } from '../../src/text/plural';

test('training.workers above the number of cores is warned about, up to it is not', () => {
  assert.equal(workersWarning(2, 2), undefined);
  assert.equal(workersWarning(1, 2), undefined);
  assert.match(workersWarning(64, 2)!, /^warning: training\.workers: 64 is more than this machine's 2 cores; .*set training\.workers: 2 or fewer/);
});

test('samples.png captions keep class names whole and fit them under the thumbnail', () => {
  const caption = sampleCaption('cutmix', 0.531, 'T-shirt/top', 'Pullover');
  assert.deepEqual(caption, ['λ=0.53', 'T-shirt/top', '+ Pullover']);
  assert.deepEqual(sampleCaption('baseline', 1, 'Ankle boot', 'Ankle boot'), ['Ankle boot']);
  // Fashion-MNIST thumbnails are 28 px x 3 = 84 px wide: the longest line fits at a smaller font.
  const fit = captionLayout([caption, ['λ=1.00', 'Ankle boot', '+ T-shirt/top']], 84);
  assert.equal(fit.width, 84);
  assert.ok(fit.fontSize >= 6 && fit.fontSize < 10, `font ${fit.fontSize}`);
  assert.ok('+ T-shirt/top'.length * 0.62 * fit.fontSize + 4 <= 84);
  // A 26-letter CUB class under a narrow thumbnail: the cell widens rather than cutting the name.
  const cub = captionLayout([['001.Black_footed_Albatross']], 84);
  assert.equal(cub.fontSize, 6);
  assert.ok(cub.width > 84 && cub.width >= 26 * 0.62 * 6 + 4);
});

test('counts read as English', () => {
  assert.equal(counted(1, 'epoch'), '1 epoch');
  assert.equal(counted(3, 'epoch'), '3 epochs');
  assert.equal(counted(0, 'run'), '0 runs');
  assert.equal(counted(2, 'entry', 'entries'), '2 entries');
});
