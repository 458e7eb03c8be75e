"""The torchvision side of test/models/torchvision-parity.test.ts.

Reads a case written by the test (our weights in NHWC layout, an NHWC input batch, labels), builds the
same network with torchvision (python3-torchvision 0.14), loads the weights into PyTorch's layout, and
writes back, in our layout: eval logits, local-head cell logits, train-mode logits, the running
statistics after that training forward, and the gradient of the mean cross-entropy of the train-mode
logits with respect to every parameter. All in float64, and beside each, how far PyTorch itself lands
from that in float32 (relative to the largest magnitude): deep nets trained with batch statistics of a
tiny batch amplify rounding, and the test allows us what PyTorch needs for itself.
"""
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / 'helpers'))
from torch_exchange import run_reference  # noqa: E402


def vgg_small_image(cfg, num_classes, mlp_hidden=None):
    """torchvision's VGG feature stack; with mlp_hidden, torchvision's VGG.forward head at that width,
    else the small-image head (global average pool + Linear)."""
    features = torchvision.models.vgg.make_layers(cfg, batch_norm=True)
    channels = [c for c in cfg if c != 'M'][-1]
    model = nn.Module()
    model.features = features
    if mlp_hidden:
        model.avgpool = nn.AdaptiveAvgPool2d((7, 7))
        model.classifier = nn.Sequential(
            nn.Linear(channels * 49, mlp_hidden), nn.ReLU(True), nn.Dropout(),
            nn.Linear(mlp_hidden, mlp_hidden), nn.ReLU(True), nn.Dropout(),
            nn.Linear(mlp_hidden, num_classes))
    else:
        model.classifier = nn.Linear(channels, num_classes)
    return model


def build(case):
    kind, k = case['torch'], case['numClasses']
    if kind in ('resnet18', 'resnet50', 'resnext50_32x4d'):
        model = getattr(torchvision.models, kind)(num_classes=k)
        if case['inputSize'] < 128:  # the small-image adaptation
            model.conv1 = nn.Conv2d(case['inChannels'], 64, 3, 1, 1, bias=False)
            model.maxpool = nn.Identity()
        return model
    if kind == 'vgg':
        return vgg_small_image(case['vggLayers'], k, case.get('mlpHidden'))
    raise ValueError(kind)


def split_features(model, kind, x):
    """The last feature map (what our `features` output is) and the logits."""
    if kind == 'vgg':
        last_conv = max(i for i, m in enumerate(model.features) if isinstance(m, nn.ReLU))
        feats = model.features[:last_conv + 1](x)
        h = model.features[last_conv + 1:](feats)
        if hasattr(model, 'avgpool'):
            logits = model.classifier(torch.flatten(model.avgpool(h), 1))
        else:
            logits = model.classifier(torch.flatten(F.adaptive_avg_pool2d(h, 1), 1))
        return feats, logits
    m = model
    h = m.maxpool(m.relu(m.bn1(m.conv1(x))))
    feats = m.layer4(m.layer3(m.layer2(m.layer1(h))))
    return feats, m.fc(torch.flatten(m.avgpool(feats), 1))


def to_torch(name, value, feature_shape):
    """Our layout -> PyTorch's: conv [kh, kw, in, out] -> [out, in, kh, kw]; linear [in, out] -> [out, in]."""
    if value.ndim == 4:
        return value.transpose(3, 2, 0, 1)
    if value.ndim == 2:
        if name == 'classifier.0.weight':  # we flatten (h, w, c), torchvision (c, h, w)
            h, w, c = feature_shape
            value = value.reshape(h, w, c, -1).transpose(2, 0, 1, 3).reshape(h * w * c, -1)
        return value.T
    return value


def from_torch(name, value, feature_shape):
    if value.ndim == 4:
        return value.transpose(2, 3, 1, 0)
    if value.ndim == 2:
        value = value.T
        if name == 'classifier.0.weight':
            h, w, c = feature_shape
            value = value.reshape(c, h, w, -1).transpose(1, 2, 0, 3).reshape(h * w * c, -1)
        return value
    return value


def compute(folder, case, dtype):
    read = lambda entry: np.fromfile(folder / entry['file'], dtype='<f4').reshape(entry['shape'])
    torch.manual_seed(0)
    model = build(case).to(dtype)
    state = model.state_dict()
    pool_shape = case.get('mlpPoolShape')
    local_head = None
    for entry in case['tensors']:
        name = entry['name']
        value = to_torch(name, read(entry), pool_shape)
        if name.startswith('local_head.'):
            if local_head is None:
                local_head = nn.Conv2d(value.shape[1], value.shape[0], 1).to(dtype) if name.endswith('weight') else None
            if name.endswith('weight'):
                local_head.weight.data = torch.from_numpy(value.copy()).to(dtype)
            else:
                local_head.bias.data = torch.from_numpy(value.copy()).to(dtype)
            continue
        assert state[name].shape == value.shape, (name, state[name].shape, value.shape)
        state[name].copy_(torch.from_numpy(value.copy()))
    x = torch.from_numpy(read(case['input']).transpose(0, 3, 1, 2).copy()).to(dtype)
    labels = torch.from_numpy(np.array(case['labels'], dtype=np.int64))

    out = {}
    model.eval()
    with torch.no_grad():
        feats, logits = split_features(model, case['torch'], x)
        out['eval_logits'] = logits.numpy()
        out['cell_logits'] = local_head(F.adaptive_avg_pool2d(feats, case['grid'])).numpy().transpose(0, 2, 3, 1)
    model.train()
    _, logits = split_features(model, case['torch'], x)
    loss = F.cross_entropy(logits, labels)
    loss.backward()
    out['train_logits'] = logits.detach().numpy()
    params = dict(model.named_parameters())
    for entry in case['tensors']:
        name = entry['name']
        if name.startswith('local_head.'):
            continue
        if name.endswith('running_mean') or name.endswith('running_var'):
            out['buffer:' + name] = state[name].numpy()
        else:
            out['grad:' + name] = from_torch(name, params[name].grad.numpy(), pool_shape)
    return out


if __name__ == '__main__':
    run_reference(compute)
