"""The sealed files of the offline door (当日受付パック and its journal): scrypt and AES-GCM.

A password is stretched by scrypt with a salt of the file's own, and every sealed part is
AES-GCM with the file's header as associated data, so a changed header, a changed byte or a
wrong password are all refused alike (GCM cannot tell them apart, and nothing is shown from a
file that does not open). No database here: the laptop at the door has only the files.

A pack is one sealed blob. A journal is a header then records appended one by one, each
sealed alone (length, nonce, ciphertext) and flushed to the disk before the act is shown as
done: a crash loses at most a record being written, which was never shown, and a torn last
record is left out when the journal is read again.
"""

from __future__ import annotations

import os
import secrets
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from kyodo_desk.domain.errors import UserError, ValidationError

FORMAT_VERSION = 1
PACK_MAGIC = b"KYODO-DOOR-PACK\n"
JOURNAL_MAGIC = b"KYODO-DOOR-JRNL\n"
MIN_PASSWORD = 8
_SALT, _NONCE, _KEY = 16, 12, 32
# scrypt at 2**15 × 8: about 0.1 s and 32 MB on a laptop, once per opening of a file.
_N, _R, _P = 2 ** 15, 8, 1
_LENGTH = struct.Struct(">I")
_HEADER = len(PACK_MAGIC) + 1 + _SALT


class DoorFileError(UserError):
    """The file is no door pack or journal, is damaged, or the password is wrong."""


def check_password(password: str) -> None:
    """The password rules (8 characters at least), as a field problem to show."""
    if len(password) < MIN_PASSWORD:
        raise ValidationError.single(
            "password", f"パスワードは{MIN_PASSWORD}文字以上にしてください。")


@dataclass(frozen=True)
class SealKey:
    """The key stretched from a password with one file's salt, and that file's header."""

    header: bytes
    aead: AESGCM

    @classmethod
    def new(cls, magic: bytes, password: str) -> SealKey:
        return cls.of(magic + bytes([FORMAT_VERSION]) + secrets.token_bytes(_SALT), password)

    @classmethod
    def of(cls, header: bytes, password: str) -> SealKey:
        salt = header[-_SALT:]
        key = Scrypt(salt=salt, length=_KEY, n=_N, r=_R, p=_P).derive(password.encode("utf-8"))
        return cls(header, AESGCM(key))

    def seal(self, plain: bytes) -> bytes:
        nonce = secrets.token_bytes(_NONCE)
        return nonce + self.aead.encrypt(nonce, plain, self.header)

    def open(self, sealed: bytes) -> bytes:
        try:
            return self.aead.decrypt(sealed[:_NONCE], sealed[_NONCE:], self.header)
        except InvalidTag:
            raise DoorFileError("パスワードが違うか、ファイルが壊れています。") from None


def _read_header(data: bytes, magic: bytes, what: str) -> bytes:
    header = data[:_HEADER]
    if len(header) < _HEADER or not header.startswith(magic):
        raise DoorFileError(f"このファイルは{what}ではありません（壊れている可能性があります）。")
    if header[len(magic)] != FORMAT_VERSION:
        raise DoorFileError(f"この{what}は、このアプリでは読めない形式です。アプリを更新してください。")
    return header


def write_sealed(path: Path, plain: bytes, password: str) -> None:
    """*plain* sealed with *password* into *path* (a new pack), written whole or not at all."""
    check_password(password)
    key = SealKey.new(PACK_MAGIC, password)
    replace_file(path, key.header + key.seal(plain))


def read_sealed(path: Path, password: str) -> bytes:
    data = _read(path)
    key = SealKey.of(_read_header(data, PACK_MAGIC, "当日受付パック"), password)
    return key.open(data[_HEADER:])


def replace_file(path: Path, data: bytes) -> None:
    """Write to a temporary file beside *path*, flush it to the disk, then put it in place."""
    temporary = path.with_name(path.name + ".tmp")
    with open(temporary, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    os.replace(temporary, path)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise DoorFileError(f"ファイル「{path.name}」が見つかりません。") from None
    except OSError as exc:
        raise DoorFileError(f"ファイル「{path.name}」を読めません（{exc.strerror}）。") from None


# --- the journal ----------------------------------------------------------------------------

class Journal:
    """An append-only sealed journal: `append` returns once the record is on the disk."""

    def __init__(self, path: Path, key: SealKey, out: BinaryIO) -> None:
        self.path, self._key, self._out = path, key, out

    @classmethod
    def open(cls, path: Path, password: str, first: bytes) -> tuple[Journal, list[bytes]]:
        """The journal at *path* and the records already in it; a new one starts with *first*
        (so even a journal with no act yet proves the password when it is opened again)."""
        if not path.exists():
            key = SealKey.new(JOURNAL_MAGIC, password)
            records = [first]
            sealed = key.seal(first)
            replace_file(path, key.header + _LENGTH.pack(len(sealed)) + sealed)
        else:
            key, records, whole = _records(_read(path), password)
            if whole is not None:  # a torn last record (a crash while writing): cut it off
                with open(path, "r+b") as torn:
                    torn.truncate(whole)
        return cls(path, key, open(path, "ab")), records

    def append(self, plain: bytes) -> None:
        sealed = self._key.seal(plain)
        self._out.write(_LENGTH.pack(len(sealed)) + sealed)
        self._out.flush()
        os.fsync(self._out.fileno())

    def close(self) -> None:
        self._out.close()


def read_journal(path: Path, password: str) -> list[bytes]:
    """Every whole record of the journal at *path* (for the merge)."""
    return _records(_read(path), password)[1]


def _records(data: bytes, password: str) -> tuple[SealKey, list[bytes], int | None]:
    """The key, the records, and where the whole records end if a torn one follows."""
    key = SealKey.of(_read_header(data, JOURNAL_MAGIC, "当日受付の記録"), password)
    return key, list(_each(key, data)), _torn_at(data)


def _spans(data: bytes) -> Iterator[tuple[int, int]]:
    at = _HEADER
    while at + _LENGTH.size <= len(data):
        (length,) = _LENGTH.unpack_from(data, at)
        end = at + _LENGTH.size + length
        if end > len(data):
            return
        yield at + _LENGTH.size, end
        at = end


def _each(key: SealKey, data: bytes) -> Iterator[bytes]:
    for start, end in _spans(data):
        yield key.open(data[start:end])


def _torn_at(data: bytes) -> int | None:
    ends = [end for _start, end in _spans(data)]
    whole = ends[-1] if ends else _HEADER
    return whole if whole < len(data) else None
