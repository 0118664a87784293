"""An encrypted package file opens in another program with the password, and not
without it: LibreOffice (its own ECMA-376 agile decryption) through its Python
bridge. Skipped where LibreOffice or python3-uno is not installed (as in CI);
the package's own round trip is tested in test_district.py."""
from __future__ import annotations

import io
import shutil
import subprocess
import textwrap
from pathlib import Path

import openpyxl
import pytest

from mzdesk.district.encryption import encrypt_xlsx

SYSTEM_PYTHON = "/usr/bin/python3"


def _has_uno() -> bool:
    if not (shutil.which("soffice") and Path(SYSTEM_PYTHON).exists()):
        return False
    return subprocess.run([SYSTEM_PYTHON, "-c", "import uno"], capture_output=True).returncode == 0


OPEN = textwrap.dedent('''
    import subprocess, sys, time, uno
    from com.sun.star.beans import PropertyValue
    path, profile, port = sys.argv[1], sys.argv[2], sys.argv[3]
    office = subprocess.Popen(["soffice", "--headless", "--invisible", "--norestore",
                               "-env:UserInstallation=" + profile,
                               "--accept=socket,host=127.0.0.1,port=%s;urp;" % port])
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    for _ in range(120):
        try:
            ctx = resolver.resolve("uno:socket,host=127.0.0.1,port=%s;urp;StarOffice.ComponentContext" % port)
            break
        except Exception:
            time.sleep(0.5)
    desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
    def prop(name, value):
        p = PropertyValue(); p.Name = name; p.Value = value; return p
    for password in sys.argv[4:]:
        try:
            doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(path), "_blank", 0,
                                               (prop("Hidden", True), prop("Password", password)))
        except Exception:
            doc = None
        if doc is None:
            print("REFUSED")
            continue
        sheet = doc.Sheets.getByIndex(0)
        print("OPENED", doc.Sheets.ElementNames[0], sheet.getCellByPosition(0, 1).String,
              sheet.getCellByPosition(2, 1).Value)
        doc.close(True)
    try:
        desktop.terminate()
    except Exception:
        pass
    office.wait(timeout=60)
''')


@pytest.mark.skipif(not _has_uno(), reason="LibreOffice with python3-uno is not installed")
def test_libreoffice_opens_the_encrypted_file_only_with_the_password(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "民政月报"
    ws.append(["项目", "户数", "本月发放金额(元)"])
    ws.append(["农村低保", 123, 45678.5])
    buf = io.BytesIO()
    wb.save(buf)
    path = tmp_path / "民政月报.xlsx"
    path.write_bytes(encrypt_xlsx(buf.getvalue(), "茶店镇2026"))
    script = tmp_path / "open.py"
    script.write_text(OPEN, encoding="utf-8")
    out = subprocess.run([SYSTEM_PYTHON, str(script), str(path), (tmp_path / "profile").as_uri(), "2093",
                          "错误密码", "茶店镇2026"], capture_output=True, text=True, timeout=240).stdout
    assert out.split("\n")[:2] == ["REFUSED", "OPENED 民政月报 农村低保 45678.5"]
