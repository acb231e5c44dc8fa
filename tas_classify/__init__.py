"""tas_classify: which 技术先进型服务 (Annex 1) category a contract line belongs to, or none."""

from tas_classify._version import __version__

__all__ = ["__version__"]
