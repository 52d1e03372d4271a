# Peer for `npm run bench` (imageThroughputVsTorch): PyTorch CPU MobileNetV2 over the same poster files as Genre
# Lens's image encoder — PIL decode, resize to 224x224 (squash, no crop, like ours), ImageNet normalise, batches like
# ours, 1280-d pooled features. Debian python3-torch 1.13.1 + python3-torchvision 0.14.1; random weights (timing only).
#   /usr/bin/python3 bench/peers/torch_mobilenetv2.py <files.json> [--batch 16] [--threads 2] [--limit N]
# Prints one JSON object on stdout: two arrangements (a plain loop; a DataLoader with 2 worker processes) and the best.
import argparse
import json
import sys
import time

import torch
import torchvision
from PIL import Image
from torchvision import transforms

MEAN = [0.485, 0.456, 0.406]
STD = [0.229, 0.224, 0.225]
PREPROCESS = transforms.Compose([
    transforms.Resize((224, 224)),  # PIL bilinear (antialiased), both sides to 224: the whole poster, no crop
    transforms.ToTensor(),
    transforms.Normalize(MEAN, STD),
])


def load(path):
    """Decoded, resized, normalised CHW tensor, or None for a file PIL cannot decode."""
    try:
        with Image.open(path) as im:
            return PREPROCESS(im.convert('RGB'))
    except Exception:  # noqa: BLE001 - an undecodable poster is skipped, as ours counts it missing
        return None


class Posters(torch.utils.data.Dataset):
    def __init__(self, files):
        self.files = files

    def __len__(self):
        return len(self.files)

    def __getitem__(self, i):
        t = load(self.files[i])
        return (t if t is not None else torch.zeros(3, 224, 224)), t is not None


def features(model, batch):
    """The pooled 1280-d feature, as ours (global average pooling after the last conv block)."""
    x = model.features(batch)
    return torch.flatten(torch.nn.functional.adaptive_avg_pool2d(x, 1), 1)


def plain_loop(model, files, batch_size):
    done = 0
    t0 = time.perf_counter()
    for i in range(0, len(files), batch_size):
        tensors = [t for t in (load(f) for f in files[i:i + batch_size]) if t is not None]
        if tensors:
            features(model, torch.stack(tensors))
            done += len(tensors)
    return done, time.perf_counter() - t0


def data_loader(model, files, batch_size, workers):
    loader = torch.utils.data.DataLoader(Posters(files), batch_size=batch_size, num_workers=workers, shuffle=False)
    done = 0
    t0 = time.perf_counter()
    for batch, ok in loader:
        features(model, batch)
        done += int(ok.sum())
    return done, time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('files')
    ap.add_argument('--batch', type=int, default=16)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--limit', type=int, default=0)
    ap.add_argument('--workers', type=int, default=2)
    a = ap.parse_args()
    with open(a.files, encoding='utf-8') as fh:
        files = json.load(fh)
    if a.limit:
        files = files[:a.limit]
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model = torchvision.models.mobilenet_v2(weights=None).eval()
    results = {}
    with torch.no_grad():
        features(model, torch.zeros(a.batch, 3, 224, 224))  # warm-up, untimed (ours warms up when loading too)
        for name, run in (('plainLoop', lambda: plain_loop(model, files, a.batch)),
                          (f'dataLoader{a.workers}Workers', lambda: data_loader(model, files, a.batch, a.workers))):
            done, seconds = run()
            results[name] = {'images': done, 'seconds': round(seconds, 3), 'imagesPerSecond': round(done / seconds, 2)}
            print(f'torch {name}: {done} images in {seconds:.1f} s', file=sys.stderr)
    best = max(results, key=lambda k: results[k]['imagesPerSecond'])
    print(json.dumps({
        'torch': torch.__version__, 'torchvision': torchvision.__version__, 'threads': torch.get_num_threads(),
        'mkldnn': torch.backends.mkldnn.is_available(),
        'batch': a.batch, 'files': len(files), 'arrangements': results, 'best': best,
        'imagesPerSecond': results[best]['imagesPerSecond'],
    }))


if __name__ == '__main__':
    main()
