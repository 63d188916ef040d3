"""PyTorch side of scripts/bench-vs-pytorch.sh: trains the same MLP (784-256-10) or CNN as
`oubli train` on MNIST (same IDX files, same batch size, Adam, same thread count) and prints
one JSON line with samples/second. Data loading is excluded from the timing on both sides."""
import gzip, json, os, struct, sys, time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    magic, n = struct.unpack(">II", data[:8])
    if magic == 0x803:
        rows, cols = struct.unpack(">II", data[8:16])
        return np.frombuffer(data, np.uint8, offset=16).reshape(n, 1, rows, cols).astype(np.float32) / 255.0
    return np.frombuffer(data, np.uint8, offset=8).astype(np.int64)


class MLP(nn.Module):
    def __init__(s):
        super().__init__(); s.fc1 = nn.Linear(784, 256); s.fc2 = nn.Linear(256, 10)
    def forward(s, x):
        return s.fc2(F.relu(s.fc1(x.flatten(1))))


class CNN(nn.Module):
    def __init__(s):
        super().__init__()
        s.conv1 = nn.Conv2d(1, 16, 5, padding=2); s.conv2 = nn.Conv2d(16, 32, 5, padding=2)
        s.fc1 = nn.Linear(32 * 7 * 7, 128); s.fc2 = nn.Linear(128, 10)
    def forward(s, x):
        x = F.max_pool2d(F.relu(s.conv1(x)), 2); x = F.max_pool2d(F.relu(s.conv2(x)), 2)
        return s.fc2(F.relu(s.fc1(x.flatten(1))))


def main():
    data_dir, model, epochs, batch, threads = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    find = lambda stem: next(os.path.join(data_dir, f) for f in os.listdir(data_dir) if f.startswith(stem))
    x = torch.from_numpy(idx(find("train-images")))
    y = torch.from_numpy(idx(find("train-labels")))
    net = MLP() if model == "mlp" else CNN()
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    g = torch.Generator().manual_seed(0)
    start = time.perf_counter()
    for _ in range(epochs):
        perm = torch.randperm(len(x), generator=g)
        for i in range(0, len(x), batch):
            b = perm[i:i + batch]
            opt.zero_grad()
            loss = F.cross_entropy(net(x[b]), y[b])
            loss.backward()
            opt.step()
    seconds = time.perf_counter() - start
    tx = torch.from_numpy(idx(find("t10k-images"))); ty = torch.from_numpy(idx(find("t10k-labels")))
    with torch.no_grad():
        acc = (net(tx).argmax(1) == ty).float().mean().item()
    # Inference as infer_bench.rs measures it: batches of 1000 over the test set (best of 3,
    # after a warm-up), then the median and p99 latency of 2000 single samples.
    net.eval()
    with torch.inference_mode():
        net(tx[:1000])
        best = float("inf")
        for _ in range(3):
            t = time.perf_counter()
            for i in range(0, len(tx), 1000):
                net(tx[i:i + 1000])
            best = min(best, time.perf_counter() - t)
        lat = []
        for i in range(2000):
            row = tx[i % len(tx)].unsqueeze(0)
            t = time.perf_counter()
            net(row)
            lat.append((time.perf_counter() - t) * 1e6)
    lat.sort()
    print(json.dumps({"framework": "pytorch " + torch.__version__, "model": model, "samples_per_second": len(x) * epochs / seconds,
                      "seconds": seconds, "test_accuracy": acc, "threads": torch.get_num_threads(),
                      "batch_samples_per_second": len(tx) / best,
                      "single_latency_us": {"median": lat[len(lat) // 2], "p99": lat[int((len(lat) - 1) * 0.99)]}}))


if __name__ == "__main__":
    main()
