# lit configuration for Sinter's FileCheck tests.
import os
import sys

import lit.formats

config.name = "Sinter"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".mlir", ".test"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.sinter_obj_root, "test")
config.excludes = ["CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py", "unit", "Inputs",
                   "corpus"]

# Sinter's tools first, then FileCheck/not/count from llvm-19-tools.
config.environment["PATH"] = os.pathsep.join(
    [config.sinter_tools_dir, config.llvm_tools_dir, config.environment.get("PATH", "")])
config.substitutions.append(("%sinter_src", config.sinter_src_root))
# Test artifacts such as %sinter_lib/fake_add_one.so (test/unit/Runtime).
config.substitutions.append(("%sinter_lib", config.sinter_lib_dir))
# The interpreter running lit, for helper scripts (op-coverage.test).
config.substitutions.append(("%python", sys.executable))
