"""mzdesk (民政桌面): the domain library of a township civil-affairs office.

No Qt here: the GUI (`ui/`) and the command line are two faces of this package.
"""
__version__ = "0.1.0"
