// Parameter counts and the layer-by-layer summary `gridmix train --dry-run` prints, read from the
// shapes alone: nothing is allocated, so VGG-19's 143M parameters cost nothing to count.
import { architectureBuffers, architectureParameters, featureShape, type Architecture, type InputVariant } from './architecture';
import type { BuilderArgs } from './builder-args';
import type { SummaryRow } from './layer';
import { parameterCount } from './param';
import { buildArchitecture } from './registry';

/** Trainable parameters (the local head included when args.localHead), without allocating them. */
export function countParameters(name: string, args: BuilderArgs): number {
  return parameterCount(architectureParameters(buildArchitecture(name, args)));
}

export interface ModelSummary {
  name: string;
  variant: InputVariant;
  inputShape: readonly number[];
  /** The last feature map (what the local head pools to N x N). */
  featureShape: readonly number[];
  rows: SummaryRow[];
  /** Trainable parameters, local head included when present. */
  parameters: number;
  localHeadParameters: number;
  /** Batch-norm running statistics (saved, not trained). */
  bufferValues: number;
}

export function summarizeArchitecture(arch: Architecture, grid?: number): ModelSummary {
  const rows: SummaryRow[] = [];
  let shape = arch.inputShape;
  for (const layer of arch.features) {
    shape = layer.outputShape(shape);
    rows.push({ name: layer.name, outputShape: shape, parameters: parameterCount(layer.parameters()) });
  }
  rows.push(...arch.classifier.describe(shape));
  if (arch.localHead) rows.push(arch.localHead.describe(shape, grid ?? shape[0]));
  return {
    name: arch.name,
    variant: arch.variant,
    inputShape: arch.inputShape,
    featureShape: featureShape(arch),
    rows,
    parameters: parameterCount(architectureParameters(arch)),
    localHeadParameters: parameterCount(arch.localHead?.parameters() ?? []),
    bufferValues: parameterCount(architectureBuffers(arch)),
  };
}

/** The summary of a registered backbone; grid sets the local head's row (default: the feature map's size). */
export function describeModel(name: string, args: BuilderArgs, grid?: number): ModelSummary {
  return summarizeArchitecture(buildArchitecture(name, args), grid);
}

const shapeText = (shape: readonly number[]) => shape.join('x');
const countText = (n: number) => n.toLocaleString('en-US');

/** A plain-text table: layer, output shape (per sample, HxWxC), parameters; then the totals. */
export function formatModelSummary(summary: ModelSummary): string {
  const header = ['layer', 'output', 'parameters'];
  const body = summary.rows.map((row) => [row.name, shapeText(row.outputShape), countText(row.parameters)]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((cells) => cells[i].length)));
  const line = (cells: string[]) => `${cells[0].padEnd(widths[0])}  ${cells[1].padEnd(widths[1])}  ${cells[2].padStart(widths[2])}`;
  const variant = summary.variant === 'imagenet' ? 'ImageNet architecture' : 'small-image adaptation';
  return [
    `${summary.name}: input ${shapeText(summary.inputShape)} (${variant}), last feature map ${shapeText(summary.featureShape)}`,
    line(header),
    ...body.map(line),
    `trainable parameters: ${countText(summary.parameters)}` +
      (summary.localHeadParameters > 0 ? ` (local head ${countText(summary.localHeadParameters)})` : ''),
    `batch-norm running statistics: ${countText(summary.bufferValues)} values`,
  ].join('\n');
}
