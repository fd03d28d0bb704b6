"""What the app knows about the identity provider: its discovery document and signing keys,
and the one check every token from it (ID token, logout token) goes through."""

import jwt
import requests
from django.conf import settings
from django.core.cache import cache

DISCOVERY_CACHE_KEY = "oidc:discovery"
JWKS_CACHE_KEY = "oidc:jwks"
# Long enough that a sign-in does not wait on discovery, short enough that a moved endpoint
# or a rotated key is picked up the same hour.
CACHE_SECONDS = 60 * 60
# The clocks of the provider and this server may differ a little.
LEEWAY_SECONDS = 60


class ProviderUnavailable(Exception):
    """The provider could not be reached or gave no usable configuration."""


class TokenRejected(Exception):
    """A token failed a check; ``reason`` names which, for the audit log (never the token)."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


def configured():
    return bool(settings.OIDC_ISSUER and settings.OIDC_RP_CLIENT_ID)


def issuer():
    return settings.OIDC_ISSUER.rstrip("/")


def _get_json(url):
    try:
        response = requests.get(url, timeout=settings.OIDC_TIMEOUT)
        response.raise_for_status()
        return response.json()
    except (requests.RequestException, ValueError) as exc:
        raise ProviderUnavailable(type(exc).__name__) from None


def discovery():
    """The provider's ``/.well-known/openid-configuration``, fetched once and cached."""
    document = cache.get(DISCOVERY_CACHE_KEY)
    if document is None:
        document = _get_json(f"{issuer()}/.well-known/openid-configuration")
        needed = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")
        if not isinstance(document, dict) or any(not isinstance(document.get(k), str) for k in needed):
            raise ProviderUnavailable("incomplete discovery document")
        if document["issuer"].rstrip("/") != issuer():
            raise ProviderUnavailable("discovery names another issuer")
        cache.set(DISCOVERY_CACHE_KEY, document, CACHE_SECONDS)
    return document


def endpoint(name):
    return discovery().get(name)


def _jwks(refresh=False):
    keys = None if refresh else cache.get(JWKS_CACHE_KEY)
    if keys is None:
        keys = _get_json(discovery()["jwks_uri"])
        cache.set(JWKS_CACHE_KEY, keys, CACHE_SECONDS)
    return keys


def _signing_key(token):
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise TokenRejected("malformed") from None
    if header.get("alg") != settings.OIDC_RP_SIGN_ALGO:
        raise TokenRejected("algorithm")
    # A key the cache does not hold yet may be a new one the provider rotated in: ask once more.
    for refresh in (False, True):
        try:
            key_set = jwt.PyJWKSet.from_dict(_jwks(refresh=refresh))
        except jwt.PyJWTError:
            raise ProviderUnavailable("unusable key set") from None
        for key in key_set.keys:
            if key.key_id == header.get("kid"):
                return key
    raise TokenRejected("unknown_key")


def verify(token, *, require=("exp", "iat", "iss", "aud", "sub")):
    """The claims of ``token`` once its signature (a key in the provider's JWKS), issuer,
    audience (this app's client id) and lifetime hold; else ``TokenRejected``."""
    if not isinstance(token, str) or not token:
        raise TokenRejected("missing")
    key = _signing_key(token)
    try:
        return jwt.decode(
            token,
            key,
            algorithms=[settings.OIDC_RP_SIGN_ALGO],
            audience=settings.OIDC_RP_CLIENT_ID,
            issuer=discovery()["issuer"],
            leeway=LEEWAY_SECONDS,
            options={"require": list(require)},
        )
    except jwt.ExpiredSignatureError:
        raise TokenRejected("expired") from None
    except jwt.InvalidIssuerError:
        raise TokenRejected("issuer") from None
    except jwt.InvalidAudienceError:
        raise TokenRejected("audience") from None
    except jwt.InvalidSignatureError:
        raise TokenRejected("signature") from None
    except jwt.PyJWTError:
        raise TokenRejected("invalid") from None


def used_several_factors(claims):
    """Whether the provider says the sign-in used more than one factor (``amr`` holds ``mfa``,
    or ``acr`` is one of ``OIDC_MFA_ACR_VALUES``)."""
    amr = claims.get("amr")
    if isinstance(amr, list) and "mfa" in amr:
        return True
    return bool(settings.OIDC_MFA_ACR_VALUES) and claims.get("acr") in settings.OIDC_MFA_ACR_VALUES


def end_session_url(id_token, post_logout_redirect_uri):
    """Where to send the browser so the provider ends its session too, or ``None`` when the
    provider offers no ``end_session_endpoint`` (or cannot be reached)."""
    try:
        url = endpoint("end_session_endpoint")
    except ProviderUnavailable:
        return None
    if not url:
        return None
    params = {"client_id": settings.OIDC_RP_CLIENT_ID, "post_logout_redirect_uri": post_logout_redirect_uri}
    if id_token:
        params["id_token_hint"] = id_token
    return requests.Request("GET", url, params=params).prepare().url
