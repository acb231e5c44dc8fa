"""``tomllib`` on Python 3.11+, the ``tomli`` backport (a declared dependency) on 3.10."""

import sys

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = ["tomllib"]
