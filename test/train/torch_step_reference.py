"""The PyTorch side of test/train/torch-step-parity.test.ts.

Reads the steps the test wrote. For each: our resnet20's parameters, running statistics and momentum
buffers before the step (in our NHWC layout), the input batch, labels, pairing and GridMix cell masks,
and our gradients. Builds the same network with scripts/reference/gridmix_torch.py from that state,
mixes the batch from the same pairing and masks, and writes back, in our layout: the loss, the
gradient of every parameter and the running statistics after the forward; then, from our gradients,
the parameters and momentum buffers after torch.optim.SGD's step. All in float64, and beside each,
how far PyTorch itself lands from that in float32 (relative to the largest magnitude).
"""
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / 'scripts' / 'reference'))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / 'helpers'))
from gridmix_torch import ResNet20, gridmix_loss, mix_gridmix, sgd  # noqa: E402
from torch_exchange import run_reference  # noqa: E402


def to_torch(value):
    """Ours -> PyTorch's layout: conv [kh, kw, in, out] -> [out, in, kh, kw]; linear [in, out] -> [out, in]."""
    if value.ndim == 4:
        return value.transpose(3, 2, 0, 1)
    return value.T if value.ndim == 2 else value


def from_torch(value):
    """PyTorch's layout -> ours, as a copy (a gradient's storage is reused by the next step)."""
    value = value.detach().numpy().copy()
    if value.ndim == 4:
        return value.transpose(2, 3, 1, 0)
    return value.T if value.ndim == 2 else value


def compute(folder, case, dtype):
    read = lambda entry: torch.from_numpy(to_torch(np.fromfile(folder / entry['file'], dtype='<f4').reshape(entry['shape'])).copy()).to(dtype)
    o = case['optimizer']
    out = {}
    for s, step in enumerate(case['steps']):
        model = ResNet20(case['numClasses'], True, case['inChannels']).to(dtype).train()
        state = model.state_dict()
        saved = {entry['name']: read(entry) for entry in step['state']}
        for name, value in state.items():
            if name.endswith('num_batches_tracked'):
                continue
            assert value.shape == saved[name].shape, (name, value.shape, saved[name].shape)
            value.copy_(saved[name])
        optimizer = sgd(model, o['lr'], o['momentum'], o['nesterov'], o['weightDecay'], o['decayNormAndBias'])
        params = dict(model.named_parameters())
        if s > 0:  # the first step starts from no buffer, as ours starts from zeros (the same: buf = g)
            for name, p in params.items():
                optimizer.state[p]['momentum_buffer'] = saved['momentum:' + name].clone()

        x = torch.from_numpy(np.fromfile(folder / step['input']['file'], dtype='<f4').reshape(step['input']['shape']).transpose(0, 3, 1, 2).copy()).to(dtype)
        labels = torch.tensor(step['labels'], dtype=torch.int64)
        partner = torch.tensor(step['partner'], dtype=torch.int64)
        grid = step['grid']
        cells = torch.tensor(step['masks'], dtype=dtype).reshape(-1, grid, grid)
        mixed, y_global, y_patch = mix_gridmix(x, labels, case['numClasses'], partner, cells)
        logits, cell_logits = model(mixed, grid)
        loss = gridmix_loss(logits, y_global, cell_logits, y_patch, case['gamma'])
        loss.backward()
        out[f'step{s}:loss'] = loss.detach().numpy().reshape(1).copy()
        for name, p in params.items():
            out[f'step{s}:grad:{name}'] = from_torch(p.grad)
        for name, b in model.named_buffers():
            if not name.endswith('num_batches_tracked'):
                out[f'step{s}:buffer:{name}'] = b.numpy().copy()

        # The update rule on its own: torch.optim.SGD from our gradients.
        for entry in step['gradients']:
            params[entry['name']].grad = read(entry)
        optimizer.step()
        for name, p in params.items():
            out[f'step{s}:param:{name}'] = from_torch(p)
            out[f'step{s}:momentum:{name}'] = from_torch(optimizer.state[p]['momentum_buffer'])
    return out


if __name__ == '__main__':
    run_reference(compute)
