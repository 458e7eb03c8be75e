"""PyTorch reference for a whole gridmix run: resnet20 on real Fashion-MNIST, trained with gridmix's
recipe, so that a gridmix run's curve can be set beside PyTorch's for the same recipe.

What it reproduces, and from where:
- data: the IDX files (Debian's dataset-fashion-mnist by default), normalised with the per-channel
  mean and std of the training pixels on the 0-1 scale (src/data/channel-stats.ts); per image, zero
  padding of 4 pixels, a uniform crop back to 28 x 28 and a flip with probability 1/2, on the uint8
  pixels before normalising (src/data/augment.ts); a fresh shuffle per epoch, the last short batch
  kept (src/data/loader.ts).
- network, GridMix mixing, loss and the optimizer's grouping: scripts/reference/gridmix_torch.py
  (checked against gridmix's step by test/train/torch-step-parity.test.ts).
- schedule: cosine per iteration, lr(t) = lr/2 (1 + cos(pi t / epochs)) with t = epoch + i / iterations
  (src/train/schedule.ts). --schedule per-epoch gives the common torch recipe instead
  (CosineAnnealingLR stepped once per epoch); --decay-norm-and-bias decays every parameter.
- evaluation: top-1 on the 10,000 test images, batch-norm running statistics.

Prints one JSON line per epoch: epoch, lr at its last step, mean training loss, test top-1 (%).
    /usr/bin/python3 scripts/reference/train_fashion_mnist.py [--method gridmix|baseline] [--epochs 2]
        [--batch 128] [--lr 0.1] [--weight-decay 5e-4] [--decay-norm-and-bias] [--schedule per-iteration|per-epoch]
        [--grid 4] [--p 0.8] [--gamma 0.15] [--seed 0] [--threads 2] [--data /usr/share/datasets/fashion-mnist]
"""
import argparse
import gzip
import json
import math
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from gridmix_torch import ResNet20, gridmix, gridmix_loss, sgd


def read_idx(path):
    raw = gzip.open(path, 'rb').read() if path.suffix == '.gz' else path.read_bytes()
    dims = raw[3]
    shape = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], 'big') for i in range(dims)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def load(folder, split):
    prefix = 'train' if split == 'train' else 't10k'
    find = lambda stem: next(p for p in (folder / f'{stem}.gz', folder / stem) if p.exists())
    images = read_idx(find(f'{prefix}-images-idx3-ubyte'))
    labels = read_idx(find(f'{prefix}-labels-idx1-ubyte'))
    return torch.from_numpy(images.copy()).unsqueeze(1), torch.from_numpy(labels.astype(np.int64))


def augment(images, generator):
    """Zero-pad 4, crop back at a uniform offset, flip with probability 1/2 (uint8 [B, 1, H, W])."""
    batch, _, height, width = images.shape
    padded = F.pad(images, (4, 4, 4, 4))
    tops = torch.randint(0, 9, (batch,), generator=generator)
    lefts = torch.randint(0, 9, (batch,), generator=generator)
    flips = torch.rand(batch, generator=generator) < 0.5
    out = torch.empty_like(images)
    for b in range(batch):
        crop = padded[b, :, tops[b]:tops[b] + height, lefts[b]:lefts[b] + width]
        out[b] = crop.flip(-1) if flips[b] else crop
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--method', choices=['gridmix', 'baseline'], default='gridmix')
    parser.add_argument('--epochs', type=int, default=2)
    parser.add_argument('--batch', type=int, default=128)
    parser.add_argument('--lr', type=float, default=0.1)
    parser.add_argument('--weight-decay', type=float, default=5e-4)
    parser.add_argument('--decay-norm-and-bias', action='store_true')
    parser.add_argument('--schedule', choices=['per-iteration', 'per-epoch'], default='per-iteration')
    parser.add_argument('--grid', type=int, default=4)
    parser.add_argument('--p', type=float, default=0.8)
    parser.add_argument('--gamma', type=float, default=0.15)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--data', type=Path, default=Path('/usr/share/datasets/fashion-mnist'))
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    generator = torch.Generator().manual_seed(args.seed)
    train_x, train_y = load(args.data, 'train')
    test_x, test_y = load(args.data, 'test')
    pixels = train_x.double() / 255
    mean, std = pixels.mean().item(), pixels.std(unbiased=False).item()
    normalise = lambda images: (images.float() / 255 - mean) / std

    local_head = args.method == 'gridmix'
    model = ResNet20(10, local_head, in_channels=1)
    optimizer = sgd(model, args.lr, 0.9, True, args.weight_decay, args.decay_norm_and_bias)
    iterations = math.ceil(len(train_y) / args.batch)

    def lr_at(epoch, i):
        t = epoch if args.schedule == 'per-epoch' else epoch + i / iterations
        return 0.5 * args.lr * (1 + math.cos(math.pi * t / args.epochs))

    for epoch in range(args.epochs):
        model.train()
        order = torch.randperm(len(train_y), generator=generator)
        losses = []
        for i in range(iterations):
            idx = order[i * args.batch:(i + 1) * args.batch]
            x, y = normalise(augment(train_x[idx], generator)), train_y[idx]
            lr = lr_at(epoch, i)
            for group in optimizer.param_groups:
                group['lr'] = lr
            if local_head:
                mixed, y_global, y_patch = gridmix(x, y, 10, args.grid, args.p)
                logits, cell_logits = model(mixed, args.grid)
                loss = gridmix_loss(logits, y_global, cell_logits, y_patch, args.gamma)
            else:
                logits, _ = model(x)
                loss = F.cross_entropy(logits, y)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        model.eval()
        correct = 0
        with torch.no_grad():
            for start in range(0, len(test_y), 500):
                logits, _ = model(normalise(test_x[start:start + 500]))
                correct += (logits.argmax(1) == test_y[start:start + 500]).sum().item()
        print(json.dumps({
            'epoch': epoch + 1, 'lr': lr, 'train_loss': sum(losses) / len(losses),
            'test_top1': 100 * correct / len(test_y), 'method': args.method, 'seed': args.seed,
            'schedule': args.schedule, 'decay_norm_and_bias': args.decay_norm_and_bias,
        }), flush=True)


if __name__ == '__main__':
    main()
