# LibTorch from PyPI's torch wheel (see scripts/setup.sh).
#
# We do not call find_package(Torch): the wheel's TorchConfig pulls in its CUDA stack (cuDNN, NCCL,
# cuSPARSELt, ...) for every consumer. Instead we declare the targets by hand:
#   remedi_torch       headers + libtorch_cpu + libc10 (always; CPU float32 path, CI)
#   remedi_torch_cuda  + libtorch_cuda + libc10_cuda (only with -DREMEDI_CUDA=ON, on the GPU host)
#   remedi_cublaslt    cuBLASLt, the copy libtorch_cuda loads (only with -DREMEDI_CUDA=ON)
#
# REMEDI_TORCH_DIR: the torch package folder (…/site-packages/torch). Default: the project's .venv,
# else whatever `python3 -c "import torch"` finds (the H200 host's system torch).
set(REMEDI_TORCH_DIR "" CACHE PATH "torch package folder (…/site-packages/torch)")
if(NOT REMEDI_TORCH_DIR)
  file(GLOB _venv_torch "${PROJECT_SOURCE_DIR}/.venv/lib/python3*/site-packages/torch")
  if(_venv_torch)
    list(GET _venv_torch 0 REMEDI_TORCH_DIR)
  else()
    execute_process(COMMAND python3 -c "import os,torch;print(os.path.dirname(torch.__file__))"
                    OUTPUT_VARIABLE REMEDI_TORCH_DIR OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  endif()
endif()
if(NOT EXISTS "${REMEDI_TORCH_DIR}/include/torch/csrc/api/include/torch/torch.h")
  message(FATAL_ERROR "LibTorch not found (REMEDI_TORCH_DIR='${REMEDI_TORCH_DIR}'). "
                      "Run scripts/setup.sh, or pass -DREMEDI_TORCH_DIR=/path/to/site-packages/torch.")
endif()
message(STATUS "LibTorch: ${REMEDI_TORCH_DIR}")

add_library(remedi_torch INTERFACE)
target_include_directories(remedi_torch SYSTEM INTERFACE
  "${REMEDI_TORCH_DIR}/include" "${REMEDI_TORCH_DIR}/include/torch/csrc/api/include")
target_compile_definitions(remedi_torch INTERFACE _GLIBCXX_USE_CXX11_ABI=1)
target_link_libraries(remedi_torch INTERFACE
  "${REMEDI_TORCH_DIR}/lib/libtorch_cpu.so" "${REMEDI_TORCH_DIR}/lib/libc10.so")
target_link_options(remedi_torch INTERFACE "LINKER:-rpath,${REMEDI_TORCH_DIR}/lib")

if(REMEDI_CUDA)
  find_package(CUDAToolkit REQUIRED)
  add_library(remedi_torch_cuda INTERFACE)
  # --no-as-needed: libtorch_cuda registers the CUDA kernels in static initialisers; nothing
  # references it by symbol from plain ATen calls, so the linker would otherwise drop it.
  target_link_libraries(remedi_torch_cuda INTERFACE remedi_torch CUDA::cudart
    "LINKER:--no-as-needed" "${REMEDI_TORCH_DIR}/lib/libtorch_cuda.so"
    "${REMEDI_TORCH_DIR}/lib/libc10_cuda.so" "LINKER:--as-needed")
  target_compile_definitions(remedi_torch_cuda INTERFACE REMEDI_WITH_CUDA=1)

  # cuBLASLt for the engine's tuned matmuls (engine/src/cuda/lt_gemm.cpp): the very file
  # libtorch_cuda loads from the NVIDIA wheels beside torch (its RPATH names nvidia/cu13/lib; CUDA 12
  # wheels use nvidia/cublas/lib), so the process holds one cuBLASLt; the toolkit's only for a torch
  # without those wheels.
  get_filename_component(_nvidia_wheels "${REMEDI_TORCH_DIR}/../nvidia" ABSOLUTE)
  file(GLOB _wheel_cublaslt "${_nvidia_wheels}/cu13/lib/libcublasLt.so.*" "${_nvidia_wheels}/cublas/lib/libcublasLt.so.*")
  add_library(remedi_cublaslt INTERFACE)
  if(_wheel_cublaslt)
    list(SORT _wheel_cublaslt)
    list(GET _wheel_cublaslt 0 _wheel_cublaslt)
    set(REMEDI_CUBLASLT "${_wheel_cublaslt}")
    get_filename_component(_cublaslt_dir "${_wheel_cublaslt}" DIRECTORY)
    target_link_libraries(remedi_cublaslt INTERFACE "${_wheel_cublaslt}")
    target_link_options(remedi_cublaslt INTERFACE "LINKER:-rpath,${_cublaslt_dir}")
  else()
    set(REMEDI_CUBLASLT "CUDA::cublasLt (toolkit)")
    target_link_libraries(remedi_cublaslt INTERFACE CUDA::cublasLt)
  endif()
  message(STATUS "cuBLASLt: ${REMEDI_CUBLASLT}")
endif()
