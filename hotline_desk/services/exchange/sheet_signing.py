"""The dispatch sheet's hidden unit key, signed with a secret kept in the database (HMAC-SHA256): a unit that edits
the key, the unit's name and the visible line together still cannot make another unit's sheet of it, since only this
database can sign one its reply import accepts."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from datetime import datetime

from sqlalchemy.orm import Session

from hotline_desk.models import Setting
from hotline_desk.services.accounts import audit

# Kept with the settings (copied by migrate-db, so sheets sent out before a move still import), never shown by them;
# the audit trail records only a digest of it.
SHEET_SECRET = audit.SECRET_SETTINGS[0]


def _message(unit_id: int | str, unit_name: str, exported_at: str) -> bytes:
    return f"hotline-desk-dispatch|{unit_id}|{unit_name}|{exported_at}".encode()


def _secret(session: Session) -> bytes | None:
    row = session.get(Setting, SHEET_SECRET)
    return bytes.fromhex(json.loads(row.value)) if row is not None else None


def sign(session: Session, unit_id: int, unit_name: str, exported_at: str, now: datetime) -> str:
    """The signature of a sheet's key; the database's secret is made (and audited) the first time one is needed."""
    secret = _secret(session)
    if secret is None:
        if _read_only(session):  # a secret made here would be rolled back, and the sheet never import
            raise RuntimeError("the first dispatch sheet must be exported in a write session")
        secret = secrets.token_bytes(32)
        row = Setting(key=SHEET_SECRET, value=json.dumps(secret.hex()), updated_at=now, updated_by=None)
        session.add(row)
        audit.record_row(session, row, user_id=None, at=now)
    return hmac.new(secret, _message(unit_id, unit_name, exported_at), hashlib.sha256).hexdigest()


def _read_only(session: Session) -> bool:
    options = session.get_bind().get_execution_options()
    return bool(options.get("hotline_reader")) or options.get("sqlite_begin") == "DEFERRED"


def signed_by_this_database(session: Session, unit_id: int | str, unit_name: str, exported_at: str,
                            signature: str) -> bool:
    secret = _secret(session)
    if secret is None or not signature:
        return False
    expected = hmac.new(secret, _message(unit_id, unit_name, exported_at), hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature.strip().lower())
