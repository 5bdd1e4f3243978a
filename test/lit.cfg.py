# -*- Python -*-
import os

import lit.formats
from lit.llvm import llvm_config

config.name = "KAPLA"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.kapla_obj_root, "test")
# Inputs/ holds data for tests, not tests; Unit/ has its own config; lib/
# holds the test passes.
config.excludes = ["Inputs", "CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py",
                   "Unit", "lib"]

config.substitutions.append(("%PATH%", config.environment["PATH"]))
config.substitutions.append(("%kapla_src", config.kapla_source_dir))
config.substitutions.append(("%kapla_obj", config.kapla_obj_root))
config.substitutions.append(("%nets", os.path.join(
    config.kapla_source_dir, "test", "Inputs", "nets")))
config.substitutions.append(("%python", config.python_executable))
# The ONNX tests build models with Debian's python3-onnx and python3-numpy:
# the first Python that has both.
import subprocess
onnx_python = None
for candidate in [config.python_executable, "/usr/bin/python3"]:
    if candidate and subprocess.run(
            [candidate, "-c", "import onnx, numpy"],
            capture_output=True).returncode == 0:
        onnx_python = candidate
        break
config.substitutions.append(
    ("%onnx_python", onnx_python or "echo no Python with onnx and numpy; false"))
config.substitutions.append(("%onnx_nets", os.path.join(
    config.kapla_source_dir, "test", "Inputs", "onnx")))
config.substitutions.append(("%cmake_generator", config.cmake_generator))
config.substitutions.append(("%cmake", config.cmake_command))
config.substitutions.append(("%cxx", config.cmake_cxx_compiler))
config.substitutions.append(("%llvm_bin", config.llvm_tools_dir))

llvm_config.with_system_environment(["HOME", "INCLUDE", "LIB", "TMP", "TEMP"])
llvm_config.use_default_substitutions()
# FileCheck variables do not leak past a CHECK-LABEL, and every prefix a
# RUN line names must be used.
config.environment["FILECHECK_OPTS"] = (
    "--enable-var-scope --allow-unused-prefixes=false")

tool_dirs = [config.kapla_tools_dir, config.llvm_tools_dir]
llvm_config.add_tool_substitutions(["kapla-opt", "kapla-translate", "kapla-explore",
                                    "FileCheck", "not", "count",
                                    "split-file", "mlir-opt"], tool_dirs)
