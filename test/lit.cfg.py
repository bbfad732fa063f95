# -*- Python -*-
# lit configuration for mpq's regression tests.

import os

import lit.formats
from lit.llvm import llvm_config

config.name = "MPQ"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.mpq_obj_root, "test")
config.excludes = ["CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py",
                   "unittests", "Inputs"]

# Capture variables (%[[X:.*]]) must not leak across CHECK-LABELs.
config.environment["FILECHECK_OPTS"] = "-enable-var-scope"

llvm_config.use_default_substitutions()
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
llvm_config.with_environment("PATH", config.mpq_tools_dir, append_path=True)

llvm_config.add_tool_substitutions(
    ["mpq-eval", "mpq-opt", "mpq-translate", "mpqc"], [config.mpq_tools_dir, config.llvm_tools_dir])
# Test programs built in the test tree (test/CAPI/CMakeLists.txt).
llvm_config.add_tool_substitutions(
    ["mpq-capi-test"], [os.path.join(config.mpq_obj_root, "test", "CAPI")])
# LLVM 22's binary tools, not whichever version PATH finds first.
llvm_config.add_tool_substitutions(
    ["llvm-nm", "llvm-objdump", "llvm-readelf"], [config.llvm_tools_dir])

# Scripts use Debian's interpreter, which has python3-onnx and numpy.
config.substitutions.append(("%python", config.python_executable))
config.substitutions.append(("%mpq_src_root", config.mpq_src_root))
config.substitutions.append(("%mpq_obj_root", config.mpq_obj_root))

# Models generated once at build time (target mpq-test-models, test/Import).
config.substitutions.append(("%mpq_models", os.path.join(config.mpq_obj_root, "models")))

# ONNX's own node tests (Debian libonnx-testdata, from utils/install-deps.sh).
config.substitutions.append(("%onnx_node", "/usr/share/libonnx-testdata/data/node"))

# Real models fetched from the network by utils/fetch-models.sh: tests that
# need one say `REQUIRES: blazeface` and are skipped when the cache lacks it.
model_cache = os.environ.get("MPQ_MODEL_CACHE",
                             os.path.join(os.path.expanduser("~"), ".cache", "mpq", "models"))
blazeface = os.path.join(model_cache, "face_detection_front_128x128_barracuda.onnx")
if os.path.isfile(blazeface):
    config.available_features.add("blazeface")
    config.substitutions.append(("%blazeface", blazeface))
# The back-camera BlazeFace, 256x256 (`REQUIRES: blazeface-back`).
blazeface_back = os.path.join(model_cache, "face_detection_back_256x256_barracuda.onnx")
if os.path.isfile(blazeface_back):
    config.available_features.add("blazeface-back")
    config.substitutions.append(("%back_blazeface", blazeface_back))

# Cortex-M7 runs need the cross toolchain and QEMU (utils/install-deps.sh).
import shutil
if shutil.which("arm-none-eabi-gcc") and shutil.which("qemu-system-arm"):
    config.available_features.add("qemu")

# The ASan + UBSan build (utils/sanitize.sh): tests that only measure at scale
# (a benchmark run as a test) are skipped there; their code paths have unit
# tests that do run under the sanitizers.
if getattr(config, "mpq_sanitizers", "OFF").upper() in ("ON", "1", "TRUE", "YES"):
    config.available_features.add("sanitizers")

# ONNX Runtime for Node, installed by utils/fetch-ort.sh: tests that compare
# with it say `REQUIRES: onnxruntime`.
ort_cache = os.environ.get("MPQ_ORT_CACHE",
                           os.path.join(os.path.expanduser("~"), ".cache", "mpq", "ort"))
if shutil.which("node") and os.path.isfile(
        os.path.join(ort_cache, "node_modules", "onnxruntime-node", "package.json")):
    config.available_features.add("onnxruntime")
    config.environment["MPQ_ORT_CACHE"] = ort_cache
