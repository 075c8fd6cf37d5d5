"""Starts moto_server with a movable clock.

moto has no clock API, and its backends bind `from moto.core.utils import utcnow` at import time, so
the patch must land before moto.server imports them. The offset (milliseconds, may be negative) is read
from KEYWARDEN_MOTO_CLOCK_FILE whenever moto asks for the time; the test helper rewrites that file.
"""
import datetime
import os
import sys

import moto.core.utils as moto_utils

_real_utcnow = moto_utils.utcnow
_clock_file = os.environ.get("KEYWARDEN_MOTO_CLOCK_FILE", "")
_cache = {"mtime": None, "offset": 0}


def _offset_ms() -> int:
    try:
        mtime = os.stat(_clock_file).st_mtime_ns
    except (FileNotFoundError, OSError):
        return 0
    if mtime != _cache["mtime"]:
        with open(_clock_file, encoding="utf-8") as handle:
            text = handle.read().strip()
        _cache["offset"] = int(text or 0)
        _cache["mtime"] = mtime
    return _cache["offset"]


def shifted_utcnow() -> datetime.datetime:
    return _real_utcnow() + datetime.timedelta(milliseconds=_offset_ms())


moto_utils.utcnow = shifted_utcnow


def _serialise_s3_puts() -> None:
    """moto checks `If-None-Match: *` and then writes, in a threaded server: two racing PUTs can both win.
    S3 makes the check and the write one atomic step; one lock around PutObject gives moto the same guarantee,
    so that tests of concurrent trail writers test keywarden, not the emulator's race."""
    import threading

    from moto.s3.responses import S3Response

    lock = threading.Lock()
    unlocked_put = S3Response.put_object

    def put_object(self):  # type: ignore[no-untyped-def]
        with lock:
            return unlocked_put(self)

    S3Response.put_object = put_object


_serialise_s3_puts()

# CloudTrail event history from the requests moto receives (moto has no LookupEvents): see moto_cloudtrail.py.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import moto_cloudtrail  # noqa: E402

moto_cloudtrail.install(shifted_utcnow)

def _kms_sign_as_aws() -> None:
    """moto 5.2 ignores `MessageType: DIGEST` in Sign and Verify (its own docstring says so): it hashes the 32
    bytes again, so its signature is over SHA-256(digest). AWS takes a DIGEST as the hash itself. Sign and Verify
    are replaced by AWS's behaviour, on moto's own keys, so that a signature made here verifies with openssl
    and node:crypto exactly as one made by KMS."""
    import base64
    import json

    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, utils
    from moto.kms.exceptions import ValidationException
    from moto.kms.responses import KmsResponse

    hash_of = {"ECDSA_SHA_256": hashes.SHA256, "ECDSA_SHA_384": hashes.SHA384, "ECDSA_SHA_512": hashes.SHA512}

    def algorithm(self, key_id):  # type: ignore[no-untyped-def]
        key = self.kms_backend.describe_key(key_id)
        if key.key_usage != "SIGN_VERIFY":
            raise ValidationException(f"{key.arn} key usage is {key.key_usage} which is not valid for signing.")
        name = self._get_param("SigningAlgorithm")
        if name not in key.signing_algorithms or name not in hash_of:
            raise ValidationException(f"Value '{name}' at 'SigningAlgorithm' failed to satisfy constraint")
        message = self._get_param("Message") or b""  # moto hands the blob over decoded
        if isinstance(message, str):
            message = base64.b64decode(message)
        if self._get_param("MessageType") == "DIGEST":
            if len(message) != hash_of[name].digest_size:
                raise ValidationException("Digest is invalid length for algorithm " + name)
            return key, name, message, ec.ECDSA(utils.Prehashed(hash_of[name]()))
        return key, name, message, ec.ECDSA(hash_of[name]())

    def sign(self):  # type: ignore[no-untyped-def]
        key, name, message, scheme = algorithm(self, self._get_param("KeyId"))
        signature = key.private_key.private_key.sign(message, scheme)
        return json.dumps(
            {"KeyId": key.arn, "Signature": base64.b64encode(signature).decode(), "SigningAlgorithm": name}
        )

    def verify(self):  # type: ignore[no-untyped-def]
        key, name, message, scheme = algorithm(self, self._get_param("KeyId"))
        try:
            signature = self._get_param("Signature")
            if isinstance(signature, str):
                signature = base64.b64decode(signature)
            key.private_key.private_key.public_key().verify(signature, message, scheme)
            valid = True
        except InvalidSignature:
            valid = False
        return json.dumps({"KeyId": key.arn, "SignatureValid": valid, "SigningAlgorithm": name})

    KmsResponse.sign = sign
    KmsResponse.verify = verify


_kms_sign_as_aws()


def _current_follows_stage_moves() -> None:
    """Secrets Manager answers GetSecretValue without a stage with the AWSCURRENT version. moto answers with
    its own `default_version_id`, which UpdateSecretVersionStage does not move: after a compare-and-swap of
    AWSCURRENT (keywarden's store) it would still serve the old value. Moving AWSCURRENT moves it here too."""
    from moto.secretsmanager.models import SecretsManagerBackend

    unpatched = SecretsManagerBackend.update_secret_version_stage

    def update_secret_version_stage(self, secret_id, version_stage, remove_from_version_id, move_to_version_id):  # type: ignore[no-untyped-def]
        result = unpatched(self, secret_id, version_stage, remove_from_version_id, move_to_version_id)
        if version_stage == "AWSCURRENT" and move_to_version_id:
            self.secrets[secret_id].set_default_version_id(move_to_version_id)
        return result

    SecretsManagerBackend.update_secret_version_stage = update_secret_version_stage


_current_follows_stage_moves()

from moto.server import main  # noqa: E402  (must come after the patch)

if __name__ == "__main__":
    sys.exit(main())
