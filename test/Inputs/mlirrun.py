"""Lowers MLIR with upstream passes and runs it with mlir-runner: what the
execution tests (test/Training/Inputs/gradcheck.py,
test/Materialize/Inputs/runcheck.py) share.
"""
import os
import re
import subprocess
import sys

# linalg on tensors (and the loops kapla-materialize makes) to LLVM; math
# functions without an LLVM intrinsic (erf) become libm calls.
# expand-strided-metadata leaves affine.apply, hence a second lower-affine.
LOWER = ["--allow-unregistered-dialect",
         "--one-shot-bufferize=bufferize-function-boundaries",
         "--scf-forall-to-for", "--convert-linalg-to-loops", "--lower-affine",
         "--convert-scf-to-cf", "--expand-strided-metadata", "--lower-affine",
         "--finalize-memref-to-llvm", "--convert-arith-to-llvm",
         "--convert-math-to-llvm", "--convert-math-to-libm", "--convert-func-to-llvm",
         "--convert-cf-to-llvm", "--reconcile-unrealized-casts"]


def run(cmd, **kw):
    """The stdout of `cmd`; exits with its output when it fails."""
    p = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if p.returncode != 0:
        sys.stderr.write(" ".join(cmd) + "\n" + p.stdout + p.stderr)
        sys.exit(1)
    return p.stdout


def execute(llvm_bin, module):
    """Lowers `module` (with a `main` that prints tensors through
    printMemrefF32) and runs it: the values of each printed tensor."""
    lowered = run([os.path.join(llvm_bin, "mlir-opt")] + LOWER, input=module)
    lib = os.path.join(os.path.dirname(llvm_bin), "lib")
    out = run([os.path.join(llvm_bin, "mlir-runner"), "-e", "main",
               "-entry-point-result=void",
               "-shared-libs=" + os.path.join(lib, "libmlir_runner_utils.so") +
               "," + os.path.join(lib, "libmlir_c_runner_utils.so")],
              input=lowered)
    return [[float(v) for v in re.findall(
        r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?|-?nan|-?inf", b.split("data =", 1)[1])]
        for b in out.split("Unranked Memref")[1:]]
