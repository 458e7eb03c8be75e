"""gridmix's networks, mixing, loss and optimizer in PyTorch, for the references under scripts/reference/
(the step benchmark, the Fashion-MNIST trainer) and the step-parity test (test/train/).

The networks are src/models/ exactly:
- resnet20 (src/models/resnet.ts): 3x3 stride-1 stem conv (no bias) to 16 channels, BN, ReLU; 3 stages
  of 3 basic blocks at 16/32/64 channels, strides 1, 2, 2 (stride on the first 3x3 conv); where the
  shape changes, a 1x1 conv (no bias) + BN projection shortcut (He et al.'s option B); global average
  pool, linear; init as torchvision: convs kaiming normal (fan_out, relu), BN weight 1 / bias 0, linear
  PyTorch's default.
- vgg19_bn and resnet101 as src/models/ builds them below 128 px (VGG: 3x3 conv-BN-ReLU stages and max
  pools, global average pool, linear; ResNet: 3x3 stride-1 stem, no stem pool, bottlenecks
  [3, 4, 23, 3] with the stride on the 3x3 conv, 1x1 conv + BN projections).
The local head f_l (src/models/heads.ts): the last feature map adaptive-average-pooled to N x N, then a
1x1 conv with bias to class logits per cell, initialised like the classifier (PyTorch's default uniform).
Loss (src/train/losses.ts): soft-target cross-entropy + gamma * (sum over the N x N cells of the
cross-entropy, averaged over the batch).
"""
import torch
import torch.nn as nn
import torch.nn.functional as F


class BasicBlock(nn.Module):
    def __init__(self, in_channels, planes, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = None
        if stride != 1 or in_channels != planes:
            self.downsample = nn.Sequential(nn.Conv2d(in_channels, planes, 1, stride, 0, bias=False), nn.BatchNorm2d(planes))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        shortcut = self.downsample(x) if self.downsample is not None else x
        return F.relu(out + shortcut)


class ResNet20(nn.Module):
    """src/models/resnet.ts's resnet20, with its parameter names (conv1, bn1, layer1.0.conv1, ..., fc,
    local_head), so that gridmix's weights load by name."""

    def __init__(self, num_classes, local_head, in_channels=3):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, 16, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        channels = 16
        for stage, planes in enumerate([16, 32, 64]):
            blocks = []
            for i in range(3):
                blocks.append(BasicBlock(channels, planes, 2 if stage > 0 and i == 0 else 1))
                channels = planes
            setattr(self, f'layer{stage + 1}', nn.Sequential(*blocks))
        self.fc = nn.Linear(channels, num_classes)
        # torchvision's init for the backbone's convs and norms; the fc keeps PyTorch's default.
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode='fan_out', nonlinearity='relu')
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
        # Created after the loop so it keeps PyTorch's default init, as gridmix's LocalHead does.
        self.local_head = nn.Conv2d(channels, num_classes, 1, bias=True) if local_head else None

    def forward(self, x, grid=None):
        features = self.layer3(self.layer2(self.layer1(F.relu(self.bn1(self.conv1(x))))))
        logits = self.fc(torch.flatten(F.adaptive_avg_pool2d(features, 1), 1))
        cell_logits = None
        if grid is not None and self.local_head is not None:
            cell_logits = self.local_head(F.adaptive_avg_pool2d(features, grid))  # [B, K, N, N]
        return logits, cell_logits


class WithLocalHead(nn.Module):
    """A feature extractor, global average pool + linear, and the GridMix local head on its last map."""

    def __init__(self, features, channels, num_classes, local_head):
        super().__init__()
        self.features = features
        self.fc = nn.Linear(channels, num_classes)
        self.local_head = nn.Conv2d(channels, num_classes, 1, bias=True) if local_head else None

    def forward(self, x, grid=None):
        features = self.features(x)
        logits = self.fc(torch.flatten(F.adaptive_avg_pool2d(features, 1), 1))
        cell_logits = None
        if grid is not None and self.local_head is not None:
            cell_logits = self.local_head(F.adaptive_avg_pool2d(features, grid))
        return logits, cell_logits


VGG19 = [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 256, 'M', 512, 512, 512, 512, 'M', 512, 512, 512, 512, 'M']


def vgg19_bn(num_classes, local_head):
    layers, channels = [], 3
    for v in VGG19:
        if v == 'M':
            layers.append(nn.MaxPool2d(2, 2))
        else:
            layers += [nn.Conv2d(channels, v, 3, 1, 1), nn.BatchNorm2d(v), nn.ReLU(inplace=True)]
            channels = v
    # The local head reads the map before the last pool (2x2 at 32 px), the classifier pools it.
    return WithLocalHead(nn.Sequential(*layers[:-1]), channels, num_classes, local_head)


class Bottleneck(nn.Module):
    def __init__(self, in_channels, planes, stride):
        super().__init__()
        out = planes * 4
        self.body = nn.Sequential(
            nn.Conv2d(in_channels, planes, 1, bias=False), nn.BatchNorm2d(planes), nn.ReLU(inplace=True),
            nn.Conv2d(planes, planes, 3, stride, 1, bias=False), nn.BatchNorm2d(planes), nn.ReLU(inplace=True),
            nn.Conv2d(planes, out, 1, bias=False), nn.BatchNorm2d(out),
        )
        self.downsample = None
        if stride != 1 or in_channels != out:
            self.downsample = nn.Sequential(nn.Conv2d(in_channels, out, 1, stride, bias=False), nn.BatchNorm2d(out))

    def forward(self, x):
        shortcut = self.downsample(x) if self.downsample is not None else x
        return F.relu(self.body(x) + shortcut)


def resnet101(num_classes, local_head):
    layers, channels = [nn.Conv2d(3, 64, 3, 1, 1, bias=False), nn.BatchNorm2d(64), nn.ReLU(inplace=True)], 64
    for stage, (planes, count) in enumerate(zip([64, 128, 256, 512], [3, 4, 23, 3])):
        for i in range(count):
            layers.append(Bottleneck(channels, planes, 2 if stage > 0 and i == 0 else 1))
            channels = planes * 4
    return WithLocalHead(nn.Sequential(*layers), channels, num_classes, local_head)


def draw_gridmix(batch, grid, p, device):
    """The pairing and the N x N Bernoulli(p) cell masks per sample (1 keeps A)."""
    partner = torch.randperm(batch, device=device)
    cells = (torch.rand(batch, grid, grid, device=device) < p).float()
    return partner, cells


def cell_index_map(size, grid, device):
    """The cell of every pixel row (or column), where cell i starts at floor(i * size / grid), as
    src/mix/grid-cells.ts tiles it: ceil((r + 1) * grid / size) - 1. (floor(r * grid / size) is another
    tiling, with the longer cells first, when grid does not divide size.)"""
    r = torch.arange(size, device=device)
    return torch.div((r + 1) * grid + size - 1, size, rounding_mode='floor') - 1


def mix_gridmix(x, labels, num_classes, partner, cells):
    """GridMix from a drawn pairing and cell masks, as src/mix/gridmix.ts: the masks up-sampled by
    nearest neighbour (cell i covers rows floor(i*H/N) .. floor((i+1)*H/N) - 1), lambda = the pixel
    share of A, soft global targets, and per cell the class of the image it came from."""
    _, _, height, width = x.shape
    grid = cells.shape[1]
    rows = cell_index_map(height, grid, x.device)
    cols = cell_index_map(width, grid, x.device)
    pixel_mask = cells[:, rows][:, :, cols].unsqueeze(1).to(x.dtype)  # [B, 1, H, W]
    mixed = pixel_mask * x + (1 - pixel_mask) * x[partner]
    lam = pixel_mask.mean(dim=(1, 2, 3))
    y_a = F.one_hot(labels, num_classes).to(x.dtype)
    y_global = lam[:, None] * y_a + (1 - lam[:, None]) * y_a[partner]
    y_patch = torch.where(cells.bool(), labels[:, None, None], labels[partner][:, None, None])
    return mixed, y_global, y_patch


def gridmix(x, labels, num_classes, grid, p):
    partner, cells = draw_gridmix(x.shape[0], grid, p, x.device)
    return mix_gridmix(x, labels, num_classes, partner, cells)


def gridmix_loss(logits, y_global, cell_logits, y_patch, gamma):
    global_loss = -(y_global * F.log_softmax(logits, dim=1)).sum(dim=1).mean()
    if cell_logits is None or gamma == 0:
        return global_loss
    cell_ce = F.cross_entropy(cell_logits, y_patch, reduction='none')  # [B, N, N]
    return global_loss + gamma * cell_ce.sum(dim=(1, 2)).mean()


def sgd(model, lr=0.1, momentum=0.9, nesterov=False, weight_decay=5e-4, decay_norm_and_bias=False):
    """torch.optim.SGD with gridmix's default grouping: conv and linear weights decayed, batch-norm and
    bias parameters (the 1-D ones) not, unless decay_norm_and_bias (training.optimizer.decayNormAndBias)."""
    decayed = [p for p in model.parameters() if p.dim() > 1 or decay_norm_and_bias]
    not_decayed = [p for p in model.parameters() if p.dim() <= 1 and not decay_norm_and_bias]
    return torch.optim.SGD(
        [{'params': decayed, 'weight_decay': weight_decay}, {'params': not_decayed, 'weight_decay': 0.0}],
        lr=lr, momentum=momentum, nesterov=nesterov,
    )
