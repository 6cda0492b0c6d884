#!/usr/bin/env bash
# Run aekit's headline benchmarks on a CUDA machine, with mixed precision.
#
#   bash benchmarks/gpu.sh                      # on a GPU: results into benchmarks/results/gpu/
#   bash benchmarks/gpu.sh --dry-run --out DIR  # on the CPU, tiny budgets (what the test suite runs)
#
# Options:
#   --dry-run          CPU, each script's reduced mode with minimal rows and epochs (checks the wiring only;
#                      its figures mean nothing)
#   --out DIR          results folder (default benchmarks/results/gpu; --dry-run needs one, e.g. a temp folder)
#   --only a,b         run only these benchmarks (names as in the summary)
#   --budget SECONDS wall-clock limit of each run (default 7200 on a GPU, 900 in a dry run)
#   --precision P      bf16-mixed, 16-mixed or 32 (full precision); default bf16-mixed where the GPU supports it,
#                      else 16-mixed; a dry run always uses 32
#
# Needs the extras: pip install -e ".[test,benchmarks]" (PyOD, Surprise and the other baselines).
# Installs nothing itself. Every fit that goes through aekit's trainer runs with
# --accelerator gpu --precision P (benchmarks/on_device.py); the scripts' hand-written reference loops and
# closed-form baselines are not moved. Writes one results file per benchmark, a log per benchmark, and
# summary.json (device, precision, each run's exit status, seconds and results file) into the folder;
# the CPU results in benchmarks/results/ are never touched. Exits non-zero if any run failed.
set -u -o pipefail

cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python}"
DRY=0; OUT=""; ONLY=""; BUDGET=""; PRECISION=""
while [ $# -gt 0 ]; do
  case "$1" in
    --dry-run) DRY=1 ;;
    --out) OUT="$2"; shift ;;
    --only) ONLY="$2"; shift ;;
    --budget) BUDGET="$2"; shift ;;
    --precision) PRECISION="$2"; shift ;;
    -h|--help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "gpu.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

if [ "$DRY" = 1 ]; then
  [ -n "$OUT" ] || { echo "gpu.sh: --dry-run needs --out DIR (a temp folder; it never writes benchmarks/results/)" >&2; exit 2; }
  ACCELERATOR=cpu; PRECISION=32; BUDGET="${BUDGET:-900}"
  DEVICE="CPU (dry run: tiny budgets, figures meaningless)"
else
  OUT="${OUT:-benchmarks/results/gpu}"
  ACCELERATOR=gpu; BUDGET="${BUDGET:-7200}"
  DEVICE=$("$PYTHON" -c 'import torch; assert torch.cuda.is_available(); print(torch.cuda.get_device_name(0))' 2>/dev/null) \
    || { echo "gpu.sh: no CUDA GPU visible to torch (torch.cuda.is_available() is False); use --dry-run on a CPU" >&2; exit 1; }
  if [ -z "$PRECISION" ]; then
    PRECISION=$("$PYTHON" -c 'import torch; print("bf16-mixed" if torch.cuda.is_bf16_supported() else "16-mixed")')
  fi
fi
case "$PRECISION" in 32|16-mixed|bf16-mixed) ;; *) echo "gpu.sh: --precision must be bf16-mixed, 16-mixed or 32, got $PRECISION" >&2; exit 2 ;; esac
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
echo "gpu.sh: device $DEVICE, accelerator $ACCELERATOR, precision $PRECISION, budget ${BUDGET}s per run, results in $OUT"

# name | full-protocol arguments (GPU) | dry-run arguments (CPU) ; every run adds its own --out.
BENCHMARKS=(
  "reconstruction|benchmarks/reconstruction.py --skip-speed|benchmarks/reconstruction.py --skip-speed --epochs 1"
  "generative|benchmarks/generative.py --sections autoencoders,vaes|benchmarks/generative.py --sections autoencoders,vaes --n-train 300 --epochs 1 --vae-epochs 1 --vae-models dense --ll-samples 2 --ll-rows 100 --channels 8,16 --conv-batch-norm off --threads 1"
  "sampling|benchmarks/generative.py --sections sampling --models cvae|benchmarks/generative.py --sections sampling --models cvae --n-train 300 --gen-epochs 1 --gen-hidden 32 --gen-latent 4 --scorer-epochs 1 --per-class 10 --threads 1"
  "stacked|benchmarks/stacked.py --rows abcde|benchmarks/stacked.py --data fashion-mnist --rows a --n-train 300 --hidden 32 32 --pretrain-epochs 1 --epochs 1 --reduced dry-run"
  "anomaly|benchmarks/anomaly.py|benchmarks/anomaly.py --n-train 100 --n-test 500 --epochs 1 --classes 0 --skip-tabular --no-baselines"
  "recsys|benchmarks/recsys.py --skip memory|benchmarks/recsys.py --seeds 1 --topn-seeds 1 --topn-epochs 1 --skip ratings,memory"
  "clustering|benchmarks/clustering.py|benchmarks/clustering.py --datasets digits --methods dec --seeds 1 --max-rows 300 --max-epochs 2 --max-iter 20 --no-spectral"
  "compression|benchmarks/compression.py|benchmarks/compression.py --skip-photos --train-images 200 --test-images 50 --classifier-images 200 --epochs 1 --lambdas 0.001 0.01 --filters 8 --latent-channels 8 --pca-components 8"
  "completion|benchmarks/completion.py --part images|benchmarks/completion.py --quick --part images --image-epochs 1 --train-images 200 --test-images 50 --image-sets mnist-5k"
)

declare -a NAMES STATUS SECS FILES
for entry in "${BENCHMARKS[@]}"; do
  IFS='|' read -r name full dry <<< "$entry"
  if [ -n "$ONLY" ] && [[ ",$ONLY," != *",$name,"* ]]; then continue; fi
  args="$full"; [ "$DRY" = 1 ] && args="$dry"
  file="$OUT/$name.json"; log="$OUT/$name.log"
  rm -f "$file"
  echo "gpu.sh: $name: $args (log $log)"
  start=$(date +%s)
  # shellcheck disable=SC2086  # the argument lists above are word lists
  timeout "$BUDGET" "$PYTHON" benchmarks/on_device.py --accelerator "$ACCELERATOR" --precision "$PRECISION" -- \
    $args --out "$file" > "$log" 2>&1
  rc=$?
  [ "$rc" = 0 ] && [ ! -s "$file" ] && rc=3  # ran but wrote no results
  NAMES+=("$name"); STATUS+=("$rc"); SECS+=("$(( $(date +%s) - start ))"); FILES+=("$file")
  [ "$rc" = 0 ] || { echo "gpu.sh: $name FAILED (exit $rc; 124 = over budget); last lines of $log:"; tail -n 5 "$log"; }
done

if [ -n "$ONLY" ] && [ "${#NAMES[@]}" = 0 ]; then echo "gpu.sh: --only $ONLY matches no benchmark" >&2; exit 2; fi
failed=0
{
  printf '{"device": "%s", "accelerator": "%s", "precision": "%s", "dry_run": %s, "budget_s": %s, "runs": [' \
    "$DEVICE" "$ACCELERATOR" "$PRECISION" "$([ "$DRY" = 1 ] && echo true || echo false)" "$BUDGET"
  for i in "${!NAMES[@]}"; do
    [ "$i" = 0 ] || printf ', '
    printf '{"name": "%s", "exit_status": %s, "seconds": %s, "results": "%s"}' \
      "${NAMES[$i]}" "${STATUS[$i]}" "${SECS[$i]}" "${FILES[$i]}"
  done
  printf ']}\n'
} > "$OUT/summary.json"
echo
echo "| benchmark | exit | seconds | results |"
echo "|---|---|---|---|"
for i in "${!NAMES[@]}"; do
  echo "| ${NAMES[$i]} | ${STATUS[$i]} | ${SECS[$i]} | ${FILES[$i]} |"
  [ "${STATUS[$i]}" = 0 ] || failed=1
done
echo "gpu.sh: summary in $OUT/summary.json"
exit "$failed"
