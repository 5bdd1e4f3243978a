#!/usr/bin/env bash
# Installs the Debian 12 packages kapla needs to build and test: CMake, Ninja,
# clang-22 + lld-22, LLVM/MLIR 22 (libraries, tablegen, FileCheck, lit) and
# GoogleTest, ONNX and protobuf (kapla-translate), Python's onnx and numpy
# (the ONNX tests), GNU parallel (the sharded sweep test), Chromium (the
# HTML page's rendering test), and any packages named as arguments. Does
# nothing when they are all installed already.
set -euo pipefail

packages=(cmake ninja-build g++ python3 llvm-22-dev llvm-22-tools
          libmlir-22-dev mlir-22-tools libgtest-dev clang-22 lld-22
          libonnx-dev libprotobuf-dev python3-onnx python3-numpy parallel
          chromium "$@")

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
    missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "installing: ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "error: run as root or install sudo" >&2; exit 1; }
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
