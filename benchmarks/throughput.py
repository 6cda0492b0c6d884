"""Training throughput of the dense autoencoder, and what it takes past one core and one memory.

Sections (``--sections``, all by default):

ratio   samples/s of ``aekit.Autoencoder.fit`` for the dense Fashion-MNIST model
        (784-256-32, batch 256, no validation split) divided by a hand-written
        PyTorch loop over the same network, batches and data, in the same
        process: both warmed up with a whole untimed run, then ``--repeats``
        pairs, the order inside a pair alternating (hand first, then fit
        first), so that a trend in the machine's load hits both sides alike;
        the figure is the median of the pairs' ratios. Target >= 0.95. The
        same ratio per CPU-second of the process is reported beside it (one
        thread: less disturbed by other users' jobs than the wall clock).
        Then the passes ``fit`` makes besides training, timed alone, and an
        ablation: ``--ablation-repeats`` rounds of ``fit`` as it is and with
        each change made to close the gap undone alone (CHANGES), interleaved.
flops   the same model's forward+backward FLOP rate during ``fit`` (FLOPs a
        sample counted by torch's FlopCounterMode x median samples/s of the
        ratio runs) divided by the machine's ``torch.mm`` FLOP rate measured
        in the same run.
compile ``torch.compile`` of the loss against eager, through ``fit_model``.
memmap  training on a ``--memmap-rows`` x 784 float32 memory-mapped .npy file
        (2,000,000 rows = 5.8 GiB by default; rows are Fashion-MNIST images),
        in a child process whose peak RSS is measured. Target < 2 GB. The file
        is deleted afterwards.
ddp     samples/s of 2 DDP processes (torchrun, gloo, 1 thread each) against
        1 process (1 thread, and 2 threads), same global batch size (256).
        Needs both cores: run it alone.

Each section's record carries its own command, date and load average (before
and after), and the results file is written after every section, so a long
run that stops keeps what it measured; sections not run keep their last record.

Run:  python benchmarks/throughput.py [--sections ratio,flops,compile,memmap,ddp] [--seed 0]
Writes benchmarks/results/throughput.json.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

import reconstruction  # noqa: E402 - the same hand-written loop and network as the speed figure there

RESULTS = Path(__file__).parent / "results" / "throughput.json"
SRC = Path(__file__).resolve().parent.parent / "src"
HIDDEN, LATENT, BATCH = (256,), 32, 256


def hand_written_loop(X: np.ndarray, epochs: int, seed: int) -> float:
    return reconstruction.hand_written_loop(X, epochs, BATCH, seed)


def estimator_fit(X: np.ndarray, epochs: int, seed: int, **options) -> float:
    """``Autoencoder.fit`` as a user calls it (validation, scaling, Lightning and all),
    with no validation split so that both loops see the same rows."""
    from aekit import Autoencoder

    ae = Autoencoder(latent_dim=LATENT, hidden=HIDDEN, batch_size=BATCH, max_epochs=epochs,
                     validation_fraction=0.0, patience=epochs + 1, random_state=seed, **options)
    start = time.perf_counter()
    ae.fit(X)
    return len(X) * epochs / (time.perf_counter() - start)


def throughput_ratio(X: np.ndarray, epochs: int, seed: int, repeats: int) -> dict:
    """Wall-clock samples/s (the figure) and, beside it, samples per CPU-second of this
    process: with one thread that is the time the process actually ran, which other users'
    jobs on a shared machine disturb far less than the wall clock."""
    hand_written_loop(X, epochs, seed)  # warm-up, whole runs: imports, first Trainer, allocator, caches
    estimator_fit(X, epochs, seed)
    runs = {"fit": [], "hand": []}  # (samples/s, samples per CPU-second) of each run
    loads = []
    for i in range(repeats):  # pairs, the order alternating, so that a trend in load hits both alike
        loads.append(os.getloadavg()[0])
        order = ("hand", "fit") if i % 2 == 0 else ("fit", "hand")
        for name in order:
            runs[name].append(_rates(hand_written_loop if name == "hand" else estimator_fit, X, epochs, seed))
        (fit, fit_cpu), (hand, hand_cpu) = runs["fit"][-1], runs["hand"][-1]
        print(f"  pair {i + 1}/{repeats}: fit {fit:.0f}, hand {hand:.0f} samples/s, ratio {fit / hand:.3f}; "
              f"per CPU-second {fit_cpu / hand_cpu:.3f} (load {loads[-1]:.2f})", flush=True)
    fit_rates, fit_cpu_rates = (list(r) for r in zip(*runs["fit"]))
    hand_rates, hand_cpu_rates = (list(r) for r in zip(*runs["hand"]))
    ratios = [a / h for a, h in zip(fit_rates, hand_rates)]
    cpu_ratios = [a / h for a, h in zip(fit_cpu_rates, hand_cpu_rates)]
    median = statistics.median(ratios)
    quartiles = statistics.quantiles(ratios, n=4) if len(ratios) > 1 else [median, median, median]
    return {"epochs": epochs, "repeats": repeats, "fit_samples_per_s": fit_rates, "hand_samples_per_s": hand_rates,
            "ratios": ratios, "load_average_1min_per_pair": loads, "median_ratio": median,
            "ratio_quartiles": [quartiles[0], quartiles[2]],
            "ratio_of_median_rates": statistics.median(fit_rates) / statistics.median(hand_rates),
            "fit_samples_per_cpu_s": fit_cpu_rates, "hand_samples_per_cpu_s": hand_cpu_rates,
            "cpu_ratios": cpu_ratios, "median_cpu_ratio": statistics.median(cpu_ratios),
            "target": 0.95, "met": median >= 0.95}


def _rates(run, X: np.ndarray, epochs: int, seed: int) -> tuple[float, float]:
    """(samples/s as ``run`` measures it, samples per CPU-second of this process around it)."""
    start = time.process_time()
    rate = run(X, epochs, seed)
    return rate, len(X) * epochs / (time.process_time() - start)


def fixed_costs(X: np.ndarray, seed: int, repeats: int = 3) -> dict:
    """Seconds of the passes over the data that ``fit`` makes besides training (best of
    ``repeats``), as ``fit`` makes them: input checks and scaling (no copy: these images
    are already in [0, 1]), and the encoding of the at most CODE_MOMENT_ROWS training rows
    the Gaussian that ``sample`` draws codes from is fitted on."""
    from aekit import Autoencoder
    from aekit.data.tabular import fit_preprocessing
    from aekit.estimators.sampling import moment_rows

    ae = Autoencoder(latent_dim=LATENT, hidden=HIDDEN, batch_size=BATCH, max_epochs=1, random_state=seed)
    ae.fit(X[:2048])

    def preprocessing():
        return fit_preprocessing(X, "auto", "Autoencoder", copy=False)

    X_scaled = preprocessing()[1]
    return {"checks_and_scaling": min(_timed(preprocessing) for _ in range(repeats)),
            "code_moments": min(_timed(lambda: ae._code_moments(moment_rows(X_scaled, seed)))
                                for _ in range(repeats))}


# What was done this session to close the gap, each undone in turn by ablation_runs.
CHANGES = {
    "scaled_copy": "train on the checked array itself when the scaling changes nothing (no scaled copy)",
    "all_code_rows": "fit the sampling Gaussian on at most 10,000 training rows' codes, not all 60,000",
    "lightning_every_slice": "plain backward/step for the slices before the last of a Lightning step",
}


@contextlib.contextmanager
def _undone(change: str | None):
    """``fit`` as it was before ``change`` (None: as it is)."""
    import aekit.estimators.base as base
    import aekit.estimators.sampling as sampling
    import aekit.training.fit as training

    if change is None:
        yield
        return
    target, name, original = {"scaled_copy": (base, "fit_preprocessing", base.fit_preprocessing),
                              "all_code_rows": (sampling, "CODE_MOMENT_ROWS", sampling.CODE_MOMENT_ROWS),
                              "lightning_every_slice": (training, "AutoencoderModule",
                                                        training.AutoencoderModule)}[change]
    replacement = {"scaled_copy": lambda *a, **k: original(*a, **{**k, "copy": True}),
                   "all_code_rows": sys.maxsize,
                   "lightning_every_slice": lambda *a, **k: original(*a, **{**k, "plain_inner_steps": False})}
    setattr(target, name, replacement[change])
    try:
        yield
    finally:
        setattr(target, name, original)


def ablation_runs(X: np.ndarray, epochs: int, seed: int, repeats: int) -> dict:
    """Seconds of ``fit`` as it is, and with each of this session's changes undone alone,
    ``repeats`` rounds, the variants interleaved; a change's gain is the difference of medians."""
    variants = ["as_is", *CHANGES]
    wall, cpu = ({v: [] for v in variants} for _ in range(2))
    for round_ in range(repeats):  # the order reversed every other round, as for the pairs
        for variant in variants if round_ % 2 == 0 else variants[::-1]:
            with _undone(None if variant == "as_is" else variant):
                rate, cpu_rate = _rates(estimator_fit, X, epochs, seed)
            wall[variant].append(len(X) * epochs / rate)
            cpu[variant].append(len(X) * epochs / cpu_rate)
    gain = {c: statistics.median(wall[c]) - statistics.median(wall["as_is"]) for c in CHANGES}
    cpu_gain = {c: statistics.median(cpu[c]) - statistics.median(cpu["as_is"]) for c in CHANGES}
    for change in CHANGES:
        print(f"  undoing {change}: fit {gain[change]:+.3f} s ({cpu_gain[change]:+.3f} CPU-s) slower "
              f"than as is ({statistics.median(wall['as_is']):.3f} s)", flush=True)
    return {"repeats": repeats, "changes": CHANGES, "seconds_per_fit": wall, "cpu_seconds_per_fit": cpu,
            "gain_s": gain, "gain_cpu_s": cpu_gain}


def compile_ratio(X: np.ndarray, epochs: int, seed: int) -> dict:
    """``torch.compile`` of the loss against the eager model, both through fit_model."""
    from aekit.training import TrainConfig, fit_model

    def rate(compile_loss: bool) -> float:
        cfg = TrainConfig(max_epochs=epochs, batch_size=BATCH, validation_fraction=0.0,
                          patience=epochs + 1, seed=seed, compile=compile_loss)
        start = time.perf_counter()
        fit_model(reconstruction.network(seed), X, cfg)
        return len(X) * epochs / (time.perf_counter() - start)

    eager, compiled = rate(False), rate(True)
    return {"eager_samples_per_s": eager, "compiled_samples_per_s": compiled, "ratio": compiled / eager,
            "note": "compile time included: it is what a user pays in one fit"}


def flops_per_sample() -> float:
    """Forward + backward FLOPs of one training step, per sample (torch's own counter)."""
    from torch.utils.flop_counter import FlopCounterMode

    model = reconstruction.network(0)
    batch = torch.rand(BATCH, 784)
    with FlopCounterMode(display=False) as counter:
        model.loss(batch)["loss"].backward()
    return counter.get_total_flops() / BATCH


def mm_flop_rate(size: int = 2048, repeats: int = 10) -> float:
    """The machine's matrix-multiply FLOP rate (float32, torch.mm), best of ``repeats``."""
    a, b = torch.rand(size, size), torch.rand(size, size)
    torch.mm(a, b)
    best = min(_timed(lambda: torch.mm(a, b)) for _ in range(repeats))
    return 2 * size ** 3 / best


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def flop_fraction(fit_samples_per_s: float) -> dict:
    per_sample = flops_per_sample()
    mm_rate = mm_flop_rate()
    training_rate = per_sample * fit_samples_per_s
    return {"flops_per_sample": per_sample, "training_flop_per_s": training_rate,
            "mm_flop_per_s": mm_rate, "fraction_of_mm": training_rate / mm_rate}


MEMMAP_CHILD = """
import json, resource, sys, time
import numpy as np
from aekit import Autoencoder
from aekit.data.blocks import open_blocks

path, epochs, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
source = open_blocks(np.load(path, mmap_mode="r"))
ae = Autoencoder(latent_dim=32, hidden=(256,), batch_size=256, max_epochs=epochs, validation_fraction=0.02,
                 random_state=seed)
start = time.perf_counter()
ae.fit(source)
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "samples_per_s": source.n_rows * epochs / seconds,
                  "peak_rss_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e9,
                  "history": ae.history_.to_dict(orient="list"), "block_rows": source.block_rows}))
"""


def memmap_training(X: np.ndarray, rows: int, epochs: int, seed: int) -> dict:
    """Train on a ``rows`` x 784 float32 .npy file in a child process; its peak RSS is the figure."""
    from aekit.data.blocks import BlockWriter

    needed = rows * 784 * 4
    free = shutil.disk_usage(Path(__file__).parent).free
    if free < needed + (2 << 30):
        raise RuntimeError(f"the memmap section writes {needed / 1e9:.1f} GB next to the script; "
                           f"only {free / 1e9:.1f} GB are free there")
    with tempfile.TemporaryDirectory(prefix="aekit-memmap-", dir=Path(__file__).parent) as tmp:
        path = Path(tmp) / "big.npy"
        start_writing = time.perf_counter()
        with BlockWriter(path, rows, [f"x{i}" for i in range(784)]) as writer:
            for start in range(0, rows, len(X)):  # Fashion-MNIST's training images, repeated
                writer.write(X[:min(len(X), rows - start)])
        size_gb = path.stat().st_size / 1e9
        written = time.perf_counter() - start_writing
        done = subprocess.run([sys.executable, "-c", MEMMAP_CHILD, str(path), str(epochs), str(seed)],
                              capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(SRC)})
    if done.returncode != 0:
        raise RuntimeError(f"memmap training failed: {done.stderr[-3000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result.update(rows=rows, file_gb=size_gb, seconds_writing_file=written, target_peak_rss_gb=2.0,
                  met=result["peak_rss_gb"] < 2.0, units="GB = 10^9 bytes")
    print(f"memmap training on {rows:,} x 784 ({size_gb:.1f} GB): peak RSS {result['peak_rss_gb']:.2f} GB "
          f"(target < 2 GB), {result['samples_per_s']:.0f} samples/s")
    return result


DDP_CHILD = """
import json, sys, time
from aekit import Autoencoder
from aekit.data import load_dataset

rows, epochs, devices, threads, seed = (int(a) for a in sys.argv[1:6])
X = load_dataset("fashion-mnist").X_train[:rows]
ae = Autoencoder(latent_dim=32, hidden=(256,), batch_size=256, max_epochs=epochs, validation_fraction=0.1,
                 patience=epochs + 1, random_state=seed, accelerator="cpu", devices=devices,
                 strategy="ddp" if devices > 1 else "auto", num_threads=threads)
start = time.perf_counter()
ae.fit(X)
seconds = time.perf_counter() - start
if getattr(ae, "_global_rank", 0) == 0:
    print(json.dumps({"seconds": seconds, "samples_per_s": 0.9 * rows * epochs / seconds,
                      "final_val_loss": float(ae.history_["val_loss"].iloc[-1])}))
"""


def ddp_speedup(rows: int, epochs: int, seed: int) -> dict:
    """samples/s of 2 DDP processes (gloo, 1 thread each) against 1 process with 1 and with 2 threads."""
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    torchrun = str(Path(sys.executable).parent / "torchrun")

    def run(devices: int, threads: int) -> dict:
        child = [sys.executable, "-c", DDP_CHILD, *(str(v) for v in (rows, epochs, devices, threads, seed))]
        launcher = [torchrun, "--standalone", "--nproc-per-node", str(devices), "--no-python"] if devices > 1 else []
        done = subprocess.run([*launcher, *child], capture_output=True, text=True, env=env)
        if done.returncode != 0:
            raise RuntimeError(f"DDP run failed: {done.stderr[-3000:]}")
        return json.loads(done.stdout.strip().splitlines()[-1])

    two, one_1, one_2 = run(2, 1), run(1, 1), run(1, 2)
    result = {"rows": rows, "epochs": epochs, "ddp_2_processes_1_thread": two, "one_process_1_thread": one_1,
              "one_process_2_threads": one_2,
              "ratio_vs_1_thread": two["samples_per_s"] / one_1["samples_per_s"],
              "ratio_vs_2_threads": two["samples_per_s"] / one_2["samples_per_s"]}
    print(f"DDP 2 processes / 1 process: {result['ratio_vs_1_thread']:.2f} (1 thread), "
          f"{result['ratio_vs_2_threads']:.2f} (2 threads)")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sections", default="ratio,flops,compile,memmap,ddp")
    parser.add_argument("--epochs", type=int, default=2, help="epochs per timed run")
    parser.add_argument("--repeats", type=int, default=11, help="interleaved pairs of runs (fit, hand-written)")
    parser.add_argument("--ablation-repeats", type=int, default=3,
                        help="rounds of fit with each of this session's changes undone in turn (0: none)")
    parser.add_argument("--memmap-rows", type=int, default=2_000_000)
    parser.add_argument("--memmap-epochs", type=int, default=1)
    parser.add_argument("--ddp-rows", type=int, default=60_000)
    parser.add_argument("--threads", type=int, default=1, help="torch threads of this process")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    sections = args.sections.split(",")
    unknown = set(sections) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown sections {sorted(unknown)}; choose from {','.join(SECTIONS)}")
    if "flops" in sections and "ratio" not in sections:
        sections.append("ratio")  # the FLOP rate is that of the ratio runs: keep them too
    torch.set_num_threads(args.threads)

    from aekit.data import load_dataset

    X = load_dataset("fashion-mnist").X_train
    command = "python benchmarks/throughput.py " + " ".join(sys.argv[1:])
    measured = {}
    for name in SECTIONS:  # in this order: flops uses the ratio runs
        if name not in sections:
            continue
        record = {"command": command, "seed": args.seed, "machine": machine(),
                  "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "load_average_before": os.getloadavg()}
        if name == "ratio":
            measured["ratio"] = throughput_ratio(X, args.epochs, args.seed, args.repeats)
            ratio = measured["ratio"]
            ratio["fixed_costs_s"] = fixed_costs(X, args.seed)
            if args.ablation_repeats:
                ratio["ablation"] = ablation_runs(X, args.epochs, args.seed, args.ablation_repeats)
            ratio["seconds_per_fit_median"] = len(X) * args.epochs / statistics.median(ratio["fit_samples_per_s"])
            print(f"passes of fit besides training: {ratio['fixed_costs_s']} s, "
                  f"of a {ratio['seconds_per_fit_median']:.2f} s fit")
            print(f"Autoencoder.fit / hand-written loop: median {ratio['median_ratio']:.3f} "
                  f"(runs {', '.join(f'{r:.3f}' for r in ratio['ratios'])}; target >= 0.95); "
                  f"per CPU-second: median {ratio['median_cpu_ratio']:.3f}")
        elif name == "flops":
            measured[name] = flop_fraction(statistics.median(measured["ratio"]["fit_samples_per_s"]))
            f = measured[name]
            print(f"training {f['training_flop_per_s'] / 1e9:.1f} GFLOP/s, torch.mm {f['mm_flop_per_s'] / 1e9:.1f} "
                  f"GFLOP/s: {f['fraction_of_mm']:.2f} of the matrix-multiply rate")
        elif name == "compile":
            measured[name] = compile_ratio(X, args.epochs, args.seed)
            print(f"torch.compile / eager: {measured[name]['ratio']:.3f}")
        elif name == "memmap":
            measured[name] = memmap_training(X, args.memmap_rows, args.memmap_epochs, args.seed)
        elif name == "ddp":
            measured[name] = ddp_speedup(args.ddp_rows, args.epochs, args.seed)
        measured[name] = {**measured[name], **record, "load_average_after": os.getloadavg()}
        write_section(name, measured[name])


SECTIONS = ("ratio", "flops", "compile", "memmap", "ddp")


def machine() -> str:
    return (f"{platform.machine()}, {os.cpu_count()} cores, {torch.get_num_threads()} torch threads, "
            f"torch {torch.__version__}, shared with other users")


def write_section(name: str, record: dict) -> None:
    """Put one section's record in the results file (the other sections' records are kept)."""
    RESULTS.parent.mkdir(exist_ok=True)
    previous = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    previous = {k: v for k, v in previous.items() if k in SECTIONS}  # drop the old run-wide keys
    RESULTS.write_text(json.dumps({**previous, name: record}, indent=2) + "\n")
    print(f"wrote the {name} section of {RESULTS}", flush=True)


if __name__ == "__main__":
    main()
