"""How fast this machine runs Python and one torch thread, so suite times from different days
can be told apart from code changes (stop 57: the suite took 2.4x stop 55's time with the same
per-test times at stop 55's code).

    python benchmarks/machine_speed.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time


def python_loop(n: int = 10**7) -> float:
    """Seconds for a plain Python for-loop of ``n`` additions."""
    start, total = time.perf_counter(), 0
    for i in range(n):
        total += i
    return time.perf_counter() - start


def torch_matmul(size: int = 512, times: int = 50) -> float:
    """Seconds for ``times`` float32 ``size``-square products on one torch thread."""
    import torch

    torch.set_num_threads(1)
    a = torch.randn(size, size)
    start = time.perf_counter()
    for _ in range(times):
        a @ a
    return time.perf_counter() - start


def torch_import() -> float:
    """Seconds for a new interpreter to ``import torch``."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import torch"], check=True,
                   env={**os.environ, "OMP_NUM_THREADS": "1"})
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    for name, probe in (("python loop 1e7 (s)", python_loop),
                        ("torch 50 matmul 512 (s)", torch_matmul),
                        ("import torch (s)", torch_import)):
        print(f"{name}: " + "  ".join(f"{probe():.2f}" for _ in range(args.repeat)))
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
