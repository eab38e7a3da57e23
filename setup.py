"""Compiled parts, each optional: without a C compiler blastwall uses its pure-Python
equivalents (slower, same behaviour).

- `blastwall.doors.pg_proxy._lane`: the pg-proxy's data plane (a Python extension).
- `blastwall/daemon/blastwall-hook`: the hook command in C (a program, not an extension): it asks
  the warm checker without starting an interpreter, and execs the Python hook client for
  anything else (src/blastwall/daemon/hookc.c). `blastwall install` writes it when it is there.
"""

import os
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

WARNINGS = ["-Wall", "-Wextra", "-Wno-unused-parameter", "-Wno-missing-field-initializers"]
HOOK_CLIENT = ("src/blastwall/daemon/hookc.c", "blastwall-hook")


class BuildExt(build_ext):
    """Builds the extensions, then the hook client program beside the `blastwall.daemon` package."""

    def run(self) -> None:
        super().run()
        if sys.platform.startswith("linux") and os.environ.get("BLASTWALL_NO_HOOK_CLIENT") != "1":
            self._hook_client()

    def _hook_client(self) -> None:
        source, name = HOOK_CLIENT
        out_dir = "src/blastwall/daemon" if self.inplace else os.path.join(self.build_lib, "blastwall", "daemon")
        try:
            if self.compiler is None or isinstance(self.compiler, str):
                from distutils.ccompiler import new_compiler
                from distutils.sysconfig import customize_compiler

                self.compiler = new_compiler(compiler=self.compiler)
                customize_compiler(self.compiler)
            flags = ["-O2", "-std=gnu11", *WARNINGS, *os.environ.get("BLASTWALL_HOOK_CFLAGS", "").split()]
            objects = self.compiler.compile([source], output_dir=self.build_temp, extra_postargs=flags)
            os.makedirs(out_dir, exist_ok=True)
            self.compiler.link_executable(objects, name, output_dir=out_dir,
                                          extra_postargs=os.environ.get("BLASTWALL_HOOK_LDFLAGS", "").split())
        except Exception as exc:  # noqa: BLE001 - the Python hook client does the same job
            print(f"warning: the hook client in C was not built ({exc}); `blastwall install` writes the Python "
                  "hook command", file=sys.stderr)

    def get_outputs(self) -> list[str]:
        outputs = super().get_outputs()
        if sys.platform.startswith("linux") and not self.inplace:
            built = os.path.join(self.build_lib, "blastwall", "daemon", HOOK_CLIENT[1])
            if os.path.exists(built):
                outputs.append(built)
        return outputs


ext_modules = []
if sys.platform.startswith("linux"):
    ext_modules.append(Extension("blastwall.doors.pg_proxy._lane", ["src/blastwall/doors/pg_proxy/_lane.c"],
                                 extra_compile_args=["-O2", "-std=gnu11", *WARNINGS, "-Wno-cast-function-type"],
                                 optional=True))

setup(ext_modules=ext_modules, cmdclass={"build_ext": BuildExt})
