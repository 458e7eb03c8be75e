"""The Python half of test/helpers/torch.ts's exchange: a reference reads case.json from the folder the
test wrote, computes its quantities twice (float64, float32) and writes each float64 value back as raw
little-endian float32, with how far PyTorch's own float32 lands from it (relative to the largest
magnitude), in torch.json."""
import json
import sys
from pathlib import Path

import numpy as np
import torch


def run_reference(compute):
    """compute(folder, case, dtype) -> {key: numpy array}; the folder is the script's first argument."""
    folder = Path(sys.argv[1])
    case = json.loads((folder / 'case.json').read_text())
    exact = compute(folder, case, torch.float64)
    single = compute(folder, case, torch.float32)
    manifest = {}
    for key, value in exact.items():
        file = f'torch-{len(manifest)}.bin'
        np.ascontiguousarray(value, dtype='<f4').tofile(folder / file)
        scale = max(float(np.abs(value).max()), 1e-6)
        float32_error = float(np.abs(single[key].astype(np.float64) - value).max()) / scale
        manifest[key] = {'file': file, 'shape': list(value.shape), 'float32Error': float32_error}
    (folder / 'torch.json').write_text(json.dumps(manifest))
