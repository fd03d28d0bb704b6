import json
import os
import time
from pathlib import Path

import jwt
from django.conf import settings
from oauth2_provider.oauth2_validators import OAuth2Validator


def _tampering():
    """What the test asks the next ID tokens to get wrong (a JSON file it writes): claims to
    replace, ``expires_in`` seconds (negative: already expired), a ``foreign_key`` to sign with
    instead of the provider's own, a ``kid`` to name."""
    path = Path(os.environ["OIDC_PROVIDER_TAMPERING"])
    return json.loads(path.read_text()) if path.exists() else {}


class ClaimsValidator(OAuth2Validator):
    """Every claim in the ID token, as Entra ID puts groups there: groups from the user's Django
    groups, and ``amr`` holding ``mfa`` for a member of the group ``mfa``."""

    oidc_claim_scope = None

    def get_additional_claims(self, request):
        user = request.user
        groups = sorted(user.groups.values_list("name", flat=True))
        return {
            "preferred_username": user.username,
            "email": user.email,
            "given_name": user.first_name,
            "family_name": user.last_name,
            "groups": [group for group in groups if group != "mfa"],
            "amr": ["pwd", "mfa"] if "mfa" in groups else ["pwd"],
        }

    def finalize_id_token(self, id_token, token, token_handler, request):
        token = super().finalize_id_token(id_token, token, token_handler, request)
        tampering = _tampering()
        if not tampering:
            return token
        header = jwt.get_unverified_header(token)
        claims = jwt.decode(token, options={"verify_signature": False})
        claims.update(tampering.get("claims", {}))
        if "expires_in" in tampering:
            claims["exp"] = int(time.time()) + tampering["expires_in"]
            claims["iat"] = claims["exp"] - 300
        key = tampering.get("foreign_key") or settings.OAUTH2_PROVIDER["OIDC_RSA_PRIVATE_KEY"]
        return jwt.encode(
            claims, key, algorithm="RS256", headers={"kid": tampering.get("kid", header["kid"])}
        )

    # prompt=none (the app's periodic session check): the authorization view answers an
    # unauthenticated browser with login_required itself, and every client here skips consent,
    # so a request that reaches these checks may go on silently.
    def validate_silent_login(self, request):
        return True

    def validate_silent_authorization(self, request):
        return True
