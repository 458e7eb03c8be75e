"""PyTorch reference for `gridmix bench --compare-torch`: the same ResNet-20 with the same GridMix
local head, timed over the same training step (GridMix mixing, forward, loss, backward, SGD update),
so gridmix's images/s can be set beside PyTorch's on the same machine in the same run.

The networks, the mixing, the loss and the optimizer grouping are scripts/reference/gridmix_torch.py's
(gridmix's own, layer for layer): the step is GridMix mixing, forward, loss, backward, SGD update.
--backbone vgg19_bn / resnet101 time the Table 3 rows' networks at CIFAR size instead. --device cuda
runs on the GPU (the loss read back per step synchronises, as gridmix's step does).

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

from gridmix_torch import ResNet20, gridmix, gridmix_loss, resnet101, sgd, vgg19_bn


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
