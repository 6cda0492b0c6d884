"""Load on ``aekit serve``: N concurrent clients on loopback for a fixed time, against a
detector (``POST /score``) and an encoder (``POST /encode``).

For each model and each batch size (rows per request), ``--clients`` clients (asyncio
with httpx, in this process) post the same pre-encoded body back to back for
``--seconds`` against a server started by ``aekit serve`` in a subprocess (one worker,
``--num-threads 1``). Reported: requests/s, p50 and p99 latency, errors (any answer but
200, or a transport error: must be zero), served rows/s, and the ratio of served rows/s to
the model in-process (``decision_function`` for the detector, ``transform`` for the
encoder; one torch thread) on the same batches. Target: ratio >= 0.5 at batch 256.

The same ratio per CPU-second is reported beside it: the model's CPU time per batch
in-process over the server process's CPU time per request (from /proc, during the loaded
run): less disturbed by the client and by other users' jobs than the wall clock.

Request batching: the single-row run tells whether combining concurrent one-row requests
into one model call could help. The script reports the share of a one-row request's
latency that the model call takes (in-process seconds per batch of 1 over the served
p50 at one client); batching can remove at most that share.

Models: the detector is ``AnomalyDetector("ae")`` on breast-cancer's benign rows (30
columns, named: the request body is ``data``, matched by position as a file without a
header), the encoder ``Autoencoder`` on MNIST-5k (784 columns), both with the estimators'
default sizes and a short training (``--epochs``; the speed of a forward pass does not
depend on how well the model is trained).

The client and the server share the machine: on a 2-core shared CPU, they compete for
the same cores with each other and with other users' jobs, so the served figures are a
lower bound of what a server on its own cores gives.

Run:  python benchmarks/serve.py [--clients 8] [--seconds 30] [--batches 1,256] [--seed 0]
      python benchmarks/serve.py --quick        # 4 clients, 8 s per run (reduced)
Writes benchmarks/results/serve.json.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

RESULTS = Path(__file__).parent / "results" / "serve.json"
SRC = Path(__file__).resolve().parent.parent / "src"
TARGET_RATIO, TARGET_BATCH = 0.5, 256


def train_models(folder: Path, epochs: int, seed: int) -> dict:
    """The detector and the encoder on disk, and the rows their requests carry."""
    from aekit import AnomalyDetector, Autoencoder
    from aekit.data import load_dataset

    cancer = load_dataset("breast-cancer", random_state=seed)
    import pandas as pd

    names = list(cancer.feature_names)
    benign = cancer.X_train[cancer.y_train == 1]  # scikit-learn's labels: 1 benign, 0 malignant
    detector = AnomalyDetector("ae", contamination=0.05, max_epochs=epochs, random_state=seed)
    detector.fit(pd.DataFrame(benign, columns=names))
    detector.save(folder / "detector.safetensors")
    mnist = load_dataset("mnist-5k", random_state=seed)
    encoder = Autoencoder(max_epochs=epochs, random_state=seed).fit(mnist.X_train)
    encoder.save(folder / "encoder.safetensors")
    return {"detector": (folder / "detector.safetensors", "/score", np.asarray(cancer.X_test, dtype=np.float64)),
            "encoder": (folder / "encoder.safetensors", "/encode", np.asarray(mnist.X_test, dtype=np.float64))}


def rows_of(pool: np.ndarray, batch: int) -> np.ndarray:
    """``batch`` rows of ``pool`` (repeated when it has fewer)."""
    return pool[np.arange(batch) % len(pool)]


def in_process_rows_per_second(path: Path, method: str, X: np.ndarray, seconds: float) -> dict:
    """Rows/s of the loaded model's ``method`` on the batch ``X``, one torch thread."""
    from aekit import load

    model = load(path)
    fn = getattr(model, method)
    fn(X)  # warm up
    calls, start, cpu = 0, time.perf_counter(), time.process_time()
    while time.perf_counter() - start < seconds:
        fn(X)
        calls += 1
    elapsed = time.perf_counter() - start
    return {"rows_per_s": calls * len(X) / elapsed, "seconds_per_call": elapsed / calls,
            "cpu_ms_per_call": (time.process_time() - cpu) * 1000 / calls}


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` so far (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(path: Path, port: int) -> subprocess.Popen:
    import httpx

    env = {**os.environ, "PYTHONPATH": f"{SRC}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    process = subprocess.Popen([sys.executable, "-m", "aekit", "serve", str(path), "--port", str(port),
                                "--num-threads", "1", "--log-level", "warning", "--max-rows", "100000"],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"aekit serve exited: {process.stderr.read()}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health").status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.3)
    process.kill()
    raise RuntimeError("aekit serve did not start within 300 s")


CONTENT_TYPES = {"json": "application/json", "npy": "application/x-npy"}


def body_of(X: np.ndarray, kind: str) -> bytes:
    """The request body of the rows ``X``: JSON ``{"data": [[...], ...]}`` (the float64 text
    a client's ``json.dumps`` writes) or one float32 ``.npy`` array."""
    if kind == "json":
        return json.dumps({"data": X.tolist()}).encode()
    out = io.BytesIO()
    np.save(out, X.astype(np.float32))
    return out.getvalue()


async def load(url: str, body: bytes, clients: int, seconds: float, kind: str = "json") -> dict:
    """``clients`` concurrent clients posting ``body`` to ``url`` for ``seconds`` (aiohttp: a
    lighter client than httpx, so that less of the shared CPU goes to the load generator)."""
    import aiohttp

    latencies, errors = [], []
    headers = {"Content-Type": CONTENT_TYPES[kind]}
    connector = aiohttp.TCPConnector(limit=clients)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=60)) as session:

        async def post() -> None:
            start = time.perf_counter()
            try:
                async with session.post(url, data=body, headers=headers) as answer:
                    text = await answer.read()
                    if answer.status != 200:
                        errors.append(f"{answer.status}: {text[:200]!r}")
            except (aiohttp.ClientError, asyncio.TimeoutError) as err:
                errors.append(type(err).__name__)
            latencies.append(time.perf_counter() - start)

        await post()  # warm up
        latencies.clear()
        stop = time.perf_counter() + seconds

        async def one_client() -> None:
            while time.perf_counter() < stop:
                await post()

        began, cpu = time.perf_counter(), time.process_time()
        await asyncio.gather(*(one_client() for _ in range(clients)))
        elapsed, cpu = time.perf_counter() - began, time.process_time() - cpu
    ms = np.asarray(latencies) * 1000
    return {"requests": len(latencies), "seconds": elapsed, "requests_per_s": len(latencies) / elapsed,
            "p50_ms": float(np.percentile(ms, 50)), "p99_ms": float(np.percentile(ms, 99)),
            "client_cpu_ms_per_request": cpu * 1000 / len(latencies), "errors": len(errors),
            "first_errors": errors[:3]}


def run_loop(coroutine):
    """Run ``coroutine`` on uvloop (the server's event loop too) where it is installed."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coroutine)
    return uvloop.run(coroutine)


def measure(name: str, endpoint: str, port: int, pid: int, X: np.ndarray, kind: str, local: dict, args) -> dict:
    """One loaded run (``--clients`` clients) and one single-client run of the body ``kind``."""
    body, url, batch = body_of(X, kind), f"http://127.0.0.1:{port}{endpoint}", len(X)
    server_cpu = cpu_seconds(pid)
    served = run_loop(load(url, body, args.clients, args.seconds, kind))
    server_ms = (cpu_seconds(pid) - server_cpu) * 1000 / served["requests"]
    one = run_loop(load(url, body, 1, args.seconds / 2, kind))
    return {"model": name, "endpoint": endpoint, "batch": batch, "body": kind, "body_bytes": len(body), **served,
            "served_rows_per_s": served["requests_per_s"] * batch, "in_process_rows_per_s": local["rows_per_s"],
            "ratio": served["requests_per_s"] * batch / local["rows_per_s"], "server_cpu_ms_per_request": server_ms,
            "in_process_cpu_ms_per_call": local["cpu_ms_per_call"], "cpu_ratio": local["cpu_ms_per_call"] / server_ms,
            "one_client_p50_ms": one["p50_ms"],
            "model_share_of_one_client_latency": local["seconds_per_call"] * 1000 / one["p50_ms"]}


def run(args) -> dict:
    torch.set_num_threads(1)
    results = {"command": "python benchmarks/serve.py " + " ".join(sys.argv[1:]), "seed": args.seed,
               "reduced": args.quick, "clients": args.clients, "seconds": args.seconds,
               "machine": f"2-core shared CPU ({platform.processor() or platform.machine()}), client and server "
                          "on the same cores", "load_before": os.getloadavg(), "runs": []}
    with tempfile.TemporaryDirectory() as folder:
        models = train_models(Path(folder), args.epochs, args.seed)
        for name, (path, endpoint, pool) in models.items():
            method = "decision_function" if endpoint == "/score" else "transform"
            port = free_port()
            server = start_server(path, port)
            try:
                for batch in args.batches:
                    X = rows_of(pool, batch)
                    local = in_process_rows_per_second(path, method, X.astype(np.float32), args.seconds / 2)
                    for kind in args.bodies if batch > 1 else ["json"]:  # one row is a small body either way
                        row = measure(name, endpoint, port, server.pid, X, kind, local, args)
                        results["runs"].append(row)
                        print(f"{name:8s} batch {batch:4d} {kind:4s}: {row['requests_per_s']:7.1f} req/s, "
                              f"p50 {row['p50_ms']:6.1f} ms, p99 {row['p99_ms']:6.1f} ms, errors {row['errors']}, "
                              f"served {row['served_rows_per_s']:9.0f} rows/s, in-process "
                              f"{row['in_process_rows_per_s']:9.0f} rows/s, ratio {row['ratio']:.2f} (per CPU-second "
                              f"{row['cpu_ratio']:.2f}); model {row['model_share_of_one_client_latency']:.0%} of a "
                              "one-client request", flush=True)
            finally:
                server.terminate()
                server.wait(timeout=30)
    results["load_after"] = os.getloadavg()
    at_target = [r for r in results["runs"] if r["batch"] == TARGET_BATCH]
    results["target"] = {"ratio_at_batch_256": {f"{r['model']} {r['body']}": r["ratio"] for r in at_target},
                         "wanted": TARGET_RATIO,
                         "errors": sum(r["errors"] for r in results["runs"])}
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=30.0, help="Length of each loaded run.")
    parser.add_argument("--batches", default="1,16,256", help="Rows per request, comma-separated.")
    parser.add_argument("--bodies", default="json,npy", help="Body formats: json (data as JSON arrays), npy "
                        "(one .npy array, application/x-npy); npy is not run at one row a request.")
    parser.add_argument("--epochs", type=int, default=20, help="Training epochs of the two models.")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=RESULTS, help="Where to write the results (JSON).")
    parser.add_argument("--quick", action="store_true", help="Reduced: 4 clients, 8 s per run, 5 epochs.")
    args = parser.parse_args()
    args.batches = [int(b) for b in args.batches.split(",")]
    args.bodies = args.bodies.split(",")
    if args.quick:
        args.clients, args.seconds, args.epochs = 4, 8.0, 5
    results = run(args)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2, default=float))
    print(json.dumps(results["target"]))


if __name__ == "__main__":
    main()
