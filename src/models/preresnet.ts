// Pre-activation ResNets (He et al. 2016, "Identity mappings in deep residual networks"): PreResNet-101
// and WideResNet-28-4 (Zagoruyko & Komodakis 2016), built by the ResNet builder with pre-activation
// blocks: BN-ReLU before every conv, a bare 1x1 conv shortcut on the pre-activated input where the
// shape changes, and a final BN-ReLU before pooling (so "features" is an activated map).
//
// Input variants:
// - preresnet101, ImageNet (>= 128 px): the torchvision ResNet-101 layout (7x7/2 conv, BN, ReLU, 3x3/2
//   max pool; 4 stages [3, 4, 23, 3] of pre-activation bottlenecks; final BN-ReLU; GAP; fc), as in the
//   authors' fb.resnet.torch preresnet. Small images: a bare 3x3 stride-1 stem conv, no max pool
//   (kuangliu's PreActResNet, plus the final BN-ReLU of the paper's design that kuangliu leaves out).
// - wrn28_4 is the CIFAR network at every input size: 3x3 stem to 16 channels, 3 groups of
//   (28 - 4) / 6 = 4 pre-activation basic blocks at 64/128/256 channels (strides 1, 2, 2), dropout 0.
// Init: convs kaiming normal (fan_out, relu), BN 1/0, fc PyTorch's default uniform (as torchvision's ResNets).
import { PreActBasicBlock, PreActBottleneck } from './blocks';
import type { BuilderArgs } from './builder-args';
import { buildResNet } from './resnet';

export const preresnet101 = (args: BuilderArgs) =>
  buildResNet(
    'preresnet101',
    { block: PreActBottleneck, preActivation: true, layers: [3, 4, 23, 3], planes: [64, 128, 256, 512], stemWidth: 64, stem: 'by-input' },
    args,
  );

const WRN_DEPTH = 28;
const WRN_WIDEN = 4;
const wrnBlocksPerGroup = (WRN_DEPTH - 4) / 6;

export const wrn28_4 = (args: BuilderArgs) =>
  buildResNet(
    'wrn28_4',
    {
      block: PreActBasicBlock,
      preActivation: true,
      layers: [wrnBlocksPerGroup, wrnBlocksPerGroup, wrnBlocksPerGroup],
      planes: [16 * WRN_WIDEN, 32 * WRN_WIDEN, 64 * WRN_WIDEN],
      stemWidth: 16,
      stem: 'small',
    },
    args,
  );
