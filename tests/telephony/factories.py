import factory

from telephony.models import Extension, Line


class LineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Line
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"linje-{n}")
    name = factory.Sequence(lambda n: f"Linje {n}")


class ExtensionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Extension
        django_get_or_create = ("number",)

    number = factory.Sequence(lambda n: str(200 + n))
