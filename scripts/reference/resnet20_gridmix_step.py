"""PyTorch reference for `gridmix bench --compare-torch`: the same ResNet-20 with the same GridMix
local head, timed over the same training step (GridMix mixing, forward, loss, backward, SGD update),
so gridmix's images/s can be set beside PyTorch's on the same machine in the same run.

The network is src/models/resnet.ts's resnet20 exactly:
- 3x3 stride-1 stem conv (no bias) to 16 channels, BN, ReLU;
- 3 stages of 3 basic blocks at 16/32/64 channels, strides 1, 2, 2 (stride on the first 3x3 conv);
- where the shape changes, a 1x1 conv (no bias) + BN projection shortcut (He et al.'s option B);
- global average pool, linear to the classes;
- init as torchvision: convs kaiming normal (fan_out, relu), BN weight 1 / bias 0, linear PyTorch's default.
The local head f_l (src/models/heads.ts): the last feature map adaptive-average-pooled to N x N, then a
1x1 conv with bias to class logits per cell, initialised like the classifier (PyTorch's default uniform).
Loss: soft-target cross-entropy + gamma * (sum over the N x N cells of the cross-entropy, averaged over
the batch). SGD: momentum 0.9, weight decay 5e-4 on conv / linear weights only (gridmix's default:
batch-norm and bias parameters are not decayed).

--backbone vgg19_bn / resnet101 time the Table 3 rows' networks at CIFAR size instead, as
src/models/ builds them below 128 px (VGG: 3x3 conv-BN-ReLU stages and max pools, global average
pool, linear; ResNet: 3x3 stride-1 stem, no stem pool, bottlenecks [3, 4, 23, 3] with the stride on
the 3x3 conv, 1x1 conv + BN projections). --device cuda runs on the GPU (the loss read back per step
synchronises, as gridmix's step does).

Prints one JSON object: images/s (median step), the parameter count, the settings.
    /usr/bin/python3 scripts/reference/resnet20_gridmix_step.py [--batch 128] [--classes 10] [--grid 4]
        [--p 0.8] [--gamma 0.15] [--threads 2] [--warmup 2] [--iterations 10] [--no-local-head]
        [--backbone resnet20|vgg19_bn|resnet101] [--device cpu|cuda]
"""
import argparse
import json
import statistics
import time

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
    def __init__(self, num_classes, local_head):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        blocks, channels = [], 16
        for stage, planes in enumerate([16, 32, 64]):
            for i in range(3):
                blocks.append(BasicBlock(channels, planes, 2 if stage > 0 and i == 0 else 1))
                channels = planes
        self.blocks = nn.Sequential(*blocks)
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
        features = self.blocks(F.relu(self.bn1(self.conv1(x))))
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


def gridmix(x, labels, num_classes, grid, p):
    """N x N Bernoulli(p) cell masks per sample (1 keeps A), up-sampled by nearest neighbour."""
    batch, _, height, width = x.shape
    device = x.device
    partner = torch.randperm(batch, device=device)
    cells = (torch.rand(batch, grid, grid, device=device) < p).float()
    rows = torch.div(torch.arange(height, device=device) * grid, height, rounding_mode='floor')
    cols = torch.div(torch.arange(width, device=device) * grid, width, rounding_mode='floor')
    pixel_mask = cells[:, rows][:, :, cols].unsqueeze(1)  # [B, 1, H, W]
    mixed = pixel_mask * x + (1 - pixel_mask) * x[partner]
    lam = pixel_mask.mean(dim=(1, 2, 3))  # the pixel share of A
    y_a = F.one_hot(labels, num_classes).float()
    y_b = y_a[partner]
    y_global = lam[:, None] * y_a + (1 - lam[:, None]) * y_b
    y_patch = torch.where(cells.bool(), labels[:, None, None], labels[partner][:, None, None])
    return mixed, y_global, y_patch


def gridmix_loss(logits, y_global, cell_logits, y_patch, gamma):
    global_loss = -(y_global * F.log_softmax(logits, dim=1)).sum(dim=1).mean()
    if cell_logits is None or gamma == 0:
        return global_loss
    cell_ce = F.cross_entropy(cell_logits, y_patch, reduction='none')  # [B, N, N]
    return global_loss + gamma * cell_ce.sum(dim=(1, 2)).mean()


def sgd(model):
    decayed = [p for name, p in model.named_parameters() if p.dim() > 1]
    not_decayed = [p for name, p in model.named_parameters() if p.dim() <= 1]
    return torch.optim.SGD(
        [{'params': decayed, 'weight_decay': 5e-4}, {'params': not_decayed, 'weight_decay': 0.0}],
        lr=0.1, momentum=0.9,
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--batch', type=int, default=128)
    parser.add_argument('--classes', type=int, default=10)
    parser.add_argument('--grid', type=int, default=4)
    parser.add_argument('--p', type=float, default=0.8)
    parser.add_argument('--gamma', type=float, default=0.15)
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--warmup', type=int, default=2)
    parser.add_argument('--iterations', type=int, default=10)
    parser.add_argument('--no-local-head', action='store_true')
    parser.add_argument('--backbone', choices=['resnet20', 'vgg19_bn', 'resnet101'], default='resnet20')
    parser.add_argument('--device', choices=['cpu', 'cuda'], default='cpu')
    args = parser.parse_args()
    if args.device == 'cuda' and not torch.cuda.is_available():
        raise SystemExit('--device cuda: this torch sees no CUDA GPU')
    device = torch.device(args.device)

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    local_head = not args.no_local_head
    gamma = args.gamma if local_head else 0.0
    build = {'resnet20': ResNet20, 'vgg19_bn': vgg19_bn, 'resnet101': resnet101}[args.backbone]
    model = build(args.classes, local_head).to(device).train()
    optimizer = sgd(model)
    x = torch.randn(args.batch, 3, 32, 32).to(device)
    labels = torch.randint(0, args.classes, (args.batch,)).to(device)

    def step():
        mixed, y_global, y_patch = gridmix(x, labels, args.classes, args.grid, args.p)
        logits, cell_logits = model(mixed, args.grid if local_head else None)
        loss = gridmix_loss(logits, y_global, cell_logits, y_patch, gamma)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        return loss.item()  # reads the loss back, as gridmix's step does

    for _ in range(args.warmup):
        step()
    wall, cpu = [], []
    for _ in range(args.iterations):
        wall_start, cpu_start = time.perf_counter(), time.process_time()
        step()
        wall.append(time.perf_counter() - wall_start)
        cpu.append(time.process_time() - cpu_start)
    seconds = statistics.median(wall)
    print(json.dumps({
        'backbone': args.backbone,
        'device': args.device,
        'gpu': torch.cuda.get_device_name(0) if args.device == 'cuda' else None,
        'method': 'gridmix',
        'local_head': local_head,
        'grid': args.grid,
        'batch_size': args.batch,
        'num_classes': args.classes,
        'threads': torch.get_num_threads(),
        'torch_version': torch.__version__,
        'warmup': args.warmup,
        'iterations': args.iterations,
        'ms_per_step': seconds * 1000,
        'cpu_ms_per_step': statistics.median(cpu) * 1000,
        'images_per_second': args.batch / seconds,
        'it_per_second': 1 / seconds,
        'parameters': sum(p.numel() for p in model.parameters()),
    }))


if __name__ == '__main__':
    main()
