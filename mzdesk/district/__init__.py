"""The monthly package for the district (区局报送包, DESIGN §3.5) and the district side.

- package: export_package (the township writes the package to a USB stick),
  read_package (verify and read one);
- figures_sheet: the 民政月报 figures of a month;
- encryption: encrypted OOXML (AES) for password-protected packages;
- intake: add_packages, loaded_packages, district_report (the district adds
  the townships' packages up);
- models: the district tables (migration 0004).
"""
from .intake import AddResult, LoadedPackage, add_packages, district_report, loaded_packages
from .package import Package, PackageResult, export_package, package_name, read_package

__all__ = ["AddResult", "LoadedPackage", "Package", "PackageResult", "add_packages",
           "district_report", "export_package", "loaded_packages", "package_name", "read_package"]
