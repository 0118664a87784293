"""The Qt face of mzdesk (民政桌面).

Everything here calls the services of `mzdesk`; no domain rule lives in ui/.
Start it with `mzdesk-gui` (ui.app:main) or `mzdesk gui`.
"""
