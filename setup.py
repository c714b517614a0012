"""Build the compiled core (``mtdetect._core``); every other setting is in pyproject.toml."""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "mtdetect._core",
            sources=["mtdetect/_core.c"],
            extra_compile_args=["-O3"],
            optional=False,
        )
    ]
)
