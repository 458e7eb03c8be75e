// The paper's published numbers (Baek, Bang, Shim, Pattern Recognition 109, 2021), table by table,
// as data: the report sets our measured numbers beside these.

/** A method column of the paper's tables. */
export type Variant = 'baseline' | 'mixup' | 'cutmix' | 'gridmix-wo' | 'gridmix';

export const VARIANT_TITLES: Record<Variant, string> = {
  baseline: 'Baseline',
  mixup: 'MixUp',
  cutmix: 'CutMix',
  'gridmix-wo': 'GridMix wo. Eq.(4)',
  gridmix: 'GridMix w. Eq.(4)',
};

export const TABLE1_VARIANTS: Variant[] = ['baseline', 'mixup', 'cutmix', 'gridmix-wo', 'gridmix'];

export interface PaperRow {
  dataset: string; // gridmix dataset registry name
  backbone: string; // gridmix backbone registry name
  values: Partial<Record<Variant, number>>;
}

const row = (dataset: string, backbone: string, v: number[], variants = TABLE1_VARIANTS): PaperRow => ({
  dataset,
  backbone,
  values: Object.fromEntries(variants.map((k, i) => [k, v[i]])),
});

/** Table 1: top-1 accuracy (%). */
export const TABLE1: PaperRow[] = [
  row('cifar100', 'vgg19_bn', [73.95, 75.37, 74.2, 76.05, 77.09]),
  row('cifar100', 'resnet101', [75.71, 77.83, 77.74, 78.3, 78.48]),
  row('cifar100', 'preresnet101', [76.5, 77.39, 78.15, 79.17, 79.43]),
  row('cifar100', 'wrn28_4', [79.33, 80.44, 81.11, 81.11, 81.49]),
  row('tiny-imagenet', 'vgg11_bn', [50.41, 52.88, 53.36, 53.85, 59.16]),
  row('tiny-imagenet', 'vgg19_bn', [60.13, 62.66, 61.89, 62.22, 63.34]),
  row('tiny-imagenet', 'resnet50', [65.23, 67.34, 67.22, 68.38, 68.88]),
  row('tiny-imagenet', 'resnext50_32x4d', [66.66, 68.38, 66.81, 68.8, 69.12]),
];

/** Table 2: ILSVRC2012 ResNet-50 top-1 (the paper's GridMix column is with Eq. (4)). */
export const TABLE2_VARIANTS: Variant[] = ['baseline', 'mixup', 'cutmix', 'gridmix'];
export const TABLE2: PaperRow[] = [row('imagenet', 'resnet50', [74.08, 77.37, 78.2, 78.25], TABLE2_VARIANTS)];

/** Table 3: iterations/s on CIFAR-100 at batch 128; projected time = 391 iterations x 200 epochs / it/s. */
export const TABLE3_VARIANTS: Variant[] = ['mixup', 'cutmix', 'gridmix'];
export const TABLE3_ITERATIONS = 391;
export const TABLE3_EPOCHS = 200;
export const TABLE3: PaperRow[] = [
  row('cifar100', 'vgg19_bn', [9.5, 9.0, 8.5], TABLE3_VARIANTS),
  row('cifar100', 'resnet101', [4.0, 3.8, 3.5], TABLE3_VARIANTS),
];

/** Table 4: ablation on CIFAR-100 with VGG19(-BN), top-1: grid sizes (p fixed) and p (N = 4). */
export const TABLE4_DATASET = 'cifar100';
export const TABLE4_BACKBONE = 'vgg19_bn';
export const TABLE4_GRID: Record<string, number> = { '2': 75.82, '4': 76.05, '8': 75.82, '16': 71.96, random: 73.28, baseline: 73.95 };
export const TABLE4_P: Record<string, number> = { '0.5': 71.81, '0.6': 73.18, '0.7': 75.93, '0.8': 77.13, '0.9': 75.78 };

/** Table 5: CAM localisation on CUB-200-2011 with VGG16-GAP. */
export const TABLE5_METRICS = [
  { key: 'top1_cls', title: 'Top-1 Cls' },
  { key: 'gt_known_loc', title: 'GT-Known Loc' },
  { key: 'top1_loc', title: 'Top-1 Loc' },
] as const;
export const TABLE5: Record<(typeof TABLE5_METRICS)[number]['key'], number[]> = {
  top1_cls: [72.56, 73.82, 74.8, 74.75, 73.99],
  gt_known_loc: [60.08, 54.77, 69.83, 69.1, 71.07],
  top1_loc: [44.85, 42.54, 55.58, 55.01, 55.29],
};
export const TABLE5_DATASET = 'cub200';
export const TABLE5_BACKBONE = 'vgg16_gap';

/** Table 6: TinyImageNet-A top-1 / top-5 of TinyImageNet models. */
export const TABLE6: { backbone: string; top1: number[]; top5: number[] }[] = [
  { backbone: 'vgg11_bn', top1: [2.29, 2.29, 2.16, 2.02, 2.57], top5: [8.28, 8.82, 8.38, 8.35, 9.13] },
  { backbone: 'vgg19_bn', top1: [2.12, 2.98, 2.87, 2.46, 3.04], top5: [9.27, 10.74, 10.19, 9.75, 10.84] },
  { backbone: 'resnet50', top1: [2.02, 1.81, 2.38, 2.46, 2.47], top5: [8.45, 8.24, 10.2, 10.81, 10.97] },
  { backbone: 'resnext50_32x4d', top1: [2.12, 2.98, 2.87, 2.46, 3.04], top5: [7.9, 6.39, 10.11, 10.67, 9.89] },
];
