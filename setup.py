"""The pg-proxy's compiled data plane is optional: without a C compiler the proxy uses its
pure-Python plane (slower, same behaviour)."""

import sys

from setuptools import Extension, setup

ext_modules = []
if sys.platform.startswith("linux"):
    ext_modules.append(Extension("blastwall.doors.pg_proxy._lane", ["src/blastwall/doors/pg_proxy/_lane.c"],
                                 extra_compile_args=["-O2", "-std=gnu11", "-Wall", "-Wextra", "-Wno-unused-parameter",
                                                     "-Wno-missing-field-initializers", "-Wno-cast-function-type"],
                                 optional=True))

setup(ext_modules=ext_modules)
