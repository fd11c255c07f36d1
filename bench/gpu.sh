#!/usr/bin/env bash
# The GPU checks in one run, on a machine with a CUDA GPU and the project's dependencies plus
# the bench extra (librosa, psutil) installed; FSDD where bench/common.py looks, or in
# $AUDIOCLF_FSDD. Writes every log and JSON file to OUTDIR (default build/gpu):
#
#     bash bench/gpu.sh [OUTDIR]
#
# 1. the requires_cuda tests (CUDA results equal the CPU's; mixed-precision training; torchrun
#    on a machine with GPUs: CPU training there on Gloo, more processes than GPUs an error);
# 2. python -m bench --full --device cuda: training (ours and the tutorial peer, both on the
#    GPU), file inference in the default precision on CUDA (bfloat16), batch and live;
# 3. the file inference again in float32 (--precision full);
# 4. the command line on the GPU against the CPU (python -m bench.gpu_cli): evaluate on FSDD
#    test, predict --timeline on 53 clips.
set -u
out=${1:-build/gpu}
mkdir -p "$out"
py=${PYTHON:-python3}
export PYTHONUNBUFFERED=1 QT_QPA_PLATFORM=offscreen PYTHONPATH=".${PYTHONPATH:+:$PYTHONPATH}"

nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv >"$out/gpu.txt" 2>&1
$py -c "import torch, torchaudio; print('torch', torch.__version__, 'torchaudio',
torchaudio.__version__, torch.cuda.get_device_name(), 'cpus', __import__('os').cpu_count())" \
  2>&1 | tee -a "$out/gpu.txt"

timeout 240 $py -m pytest -q -p no:cacheprovider -m requires_cuda tests/core/test_cuda.py \
  tests/core/test_distributed.py \
  2>&1 | tee "$out/pytest_cuda.txt"
timeout 420 $py -m bench --full --device cuda --baseline-cap-s 120 \
  --out "$out/results_cuda.json" 2>&1 | tee "$out/bench_cuda.txt"
timeout 150 $py -m bench --only files --device cuda --precision full \
  --out "$out/results_cuda_fp32.json" 2>&1 | tee "$out/bench_cuda_fp32.txt"
timeout 150 $py -m bench.gpu_cli --out "$out/results_cuda_cli.json" 2>&1 | tee "$out/gpu_cli.txt"
