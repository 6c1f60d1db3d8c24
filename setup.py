"""Build of the optional C extension; everything else about the package is in pyproject.toml.

`connector.rules._scan` (the compiled scanner, see connector/rules/scanner.py) is built when PCRE2's
development files are installed (Debian/Ubuntu: libpcre2-dev; Fedora: pcre2-devel; macOS: brew install
pcre2) and skipped with a warning otherwise: the engine then keeps to Python's `re`, with the same
results, about 3x slower.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "connector.rules._scan",
            sources=["connector/rules/_scan.c"],
            libraries=["pcre2-32"],
            optional=True,
        )
    ]
)
