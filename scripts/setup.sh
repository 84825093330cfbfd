#!/usr/bin/env bash
# One-time set-up on a fresh Debian 12 machine (idempotent; safe to run again).
#  1. Debian packages: compiler, CMake, Ninja and the libraries remedi-eval links.
#  2. A project-local Python environment (.venv) holding PyPI's torch==2.11.0 wheel, whose
#     include/, lib/ and share/cmake serve as LibTorch (the same version as the H200 host).
#     The wheel is CUDA 13 build; libtorch_cpu.so needs libcudart.so.13 and libcupti.so.13 even on
#     the CPU, so the two small NVIDIA runtime wheels torch pins are installed beside it. Nothing
#     else of torch's CUDA stack (cuDNN, NCCL, ...) is downloaded: CPU builds do not load it.
set -euo pipefail
cd "$(dirname "$0")/.."

TORCH_VERSION=2.11.0
APT_PACKAGES=(build-essential cmake ninja-build pkg-config git python3 python3-venv
  nlohmann-json3-dev libfmt-dev libre2-dev libpcre2-dev catch2 libbenchmark-dev libseccomp-dev
  libsqlite3-dev sqlite3 zlib1g-dev)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "${missing[@]}"
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv"
  "$PY" -m venv .venv
fi
if ! .venv/bin/python -c "import importlib.metadata as m; assert m.version('torch')=='$TORCH_VERSION'" 2>/dev/null; then
  echo "setup: installing torch==$TORCH_VERSION (LibTorch headers and libraries) into .venv"
  .venv/bin/pip install -q --no-deps "torch==$TORCH_VERSION" \
    "nvidia-cuda-runtime==13.0.96.*" "nvidia-cuda-cupti==13.0.85.*"
fi
echo "setup: LibTorch at $(.venv/bin/python -c "import sysconfig;print(sysconfig.get_paths()['purelib'])")/torch"
