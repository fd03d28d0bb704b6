from django.core.management.base import BaseCommand
from oauth2_provider.models import Application


class Command(BaseCommand):
    help = "Register the app under test as a confidential client with RS256 ID tokens."

    def add_arguments(self, parser):
        parser.add_argument("client_id")
        parser.add_argument("client_secret")
        parser.add_argument("--redirect-uri", required=True)
        parser.add_argument("--post-logout-uri", required=True)

    def handle(self, client_id, client_secret, redirect_uri, post_logout_uri, **options):
        Application.objects.filter(client_id=client_id).delete()
        Application.objects.create(
            name="Akuttilbud",
            client_id=client_id,
            client_secret=client_secret,
            client_type=Application.CLIENT_CONFIDENTIAL,
            authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
            redirect_uris=redirect_uri,
            post_logout_redirect_uris=post_logout_uri,
            algorithm=Application.RS256_ALGORITHM,
            skip_authorization=True,
        )
