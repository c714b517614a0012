"""Build the compiled core (``mtdetect._core``); every other setting is in pyproject.toml."""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "mtdetect._core",
            sources=["mtdetect/_core.c"],
            extra_compile_args=["-O3"],
            # Without a C compiler the install still succeeds; the numpy implementations,
            # which compute the same numbers more slowly, are used (`mtdetect info` says so).
            optional=True,
        )
    ]
)
