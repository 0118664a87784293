"""Password protection of the district package's spreadsheets.

Decision: each xlsx of a password-protected package is an ENCRYPTED OOXML
file (ECMA-376 "agile" encryption: AES-256-CBC, key from the password by
100,000 rounds of SHA-512), made with msoffcrypto-tool.  It is what Excel's
"用密码进行加密" and WPS write, so the district opens the files in Excel or
WPS by typing the password, with no tool of ours; mzdesk reads them back
with the same library.  The result is an OLE compound file (it starts with
D0 CF 11 E0), no longer a zip.  The manifest stays plain JSON and holds no
personal data.

Everything here works on bytes in memory, so no plaintext roster is ever
written next to its encrypted copy on the USB stick.
"""
from __future__ import annotations

import io

import msoffcrypto
from msoffcrypto.exceptions import DecryptionError, FileFormatError, InvalidKeyError
from msoffcrypto.format.ooxml import OOXMLFile

from ..errors import ValidationError

OLE_SIGNATURE = bytes.fromhex("D0CF11E0A1B11AE1")
ZIP_SIGNATURE = b"PK\x03\x04"
MIN_PASSWORD = 6


class WrongPassword(ValidationError):
    """The password does not open the file (or none was given for an encrypted one)."""


def check_password(password: str) -> str:
    """The password a package may be made with (refused when too short)."""
    if not isinstance(password, str) or not password:
        raise ValidationError("密码不能为空")
    if len(password) < MIN_PASSWORD:
        raise ValidationError(f"密码至少 {MIN_PASSWORD} 位")
    return password


def is_encrypted(data: bytes) -> bool:
    """Whether the bytes are an OLE container (an encrypted OOXML file), not a plain zip."""
    return data[:8] == OLE_SIGNATURE


def encrypt_xlsx(data: bytes, password: str) -> bytes:
    """The xlsx `data` as an encrypted OOXML file that Excel / WPS open with `password`."""
    if data[:4] != ZIP_SIGNATURE:
        raise ValueError("not an xlsx (zip) file")
    out = io.BytesIO()
    OOXMLFile(io.BytesIO(data)).encrypt(password, out)
    return out.getvalue()


def decrypt_xlsx(data: bytes, password: str | None) -> bytes:
    """The plain xlsx inside an encrypted file; WrongPassword when it does not open."""
    if not password:
        raise WrongPassword("文件已加密，需要密码")
    try:
        office = msoffcrypto.OfficeFile(io.BytesIO(data))
        # One key derivation (100,000 rounds) per file: the password is checked by the
        # payload's HMAC, not by the separate verifier, which would derive twice more.
        office.load_key(password=password, verify_password=False)
        out = io.BytesIO()
        office.decrypt(out, verify_integrity=True)
    except (InvalidKeyError, DecryptionError):
        raise WrongPassword("密码错误") from None
    except (FileFormatError, Exception):  # noqa: BLE001 - untrusted bytes: any parse failure
        raise ValidationError("文件不是加密的 Excel 文件，或已损坏") from None
    return out.getvalue()
