from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Identity(models.Model):
    """The person at the identity provider a user is: matched by issuer and subject, never by
    e-mail, which the provider lets people change and may reuse."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="oidc_identity",
    )
    issuer = models.CharField(_("issuer"), max_length=255)
    subject = models.CharField(_("subject"), max_length=255)

    class Meta:
        verbose_name = _("identity at the identity provider")
        verbose_name_plural = _("identities at the identity provider")
        constraints = [models.UniqueConstraint(fields=["issuer", "subject"], name="oidc_identity_unique")]

    def __str__(self):
        return f"{self.issuer} {self.subject}"


class SignInSession(models.Model):
    """A session opened by a sign-in through the provider, so the provider's back-channel logout
    (naming the subject or its session id, ``sid``) or a refused sign-in can end it."""

    identity = models.ForeignKey(Identity, on_delete=models.CASCADE, related_name="sessions")
    session_key = models.CharField(max_length=64, unique=True)
    sid = models.CharField(max_length=255, blank=True, db_index=True)
    created = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"{self.identity} {self.created:%Y-%m-%d %H:%M}"
