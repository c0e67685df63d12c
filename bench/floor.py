"""The floor: the cheapest possible Django response, served by the same gunicorn config as the site.

Not part of the site. bench/run.py starts it with
`gunicorn --config gunicorn.conf.py --chdir bench floor:application` and divides each page's
requests/s by this one's: "0.6x floor" means the page costs about 1/0.6 of a bare Django request.
"""

import secrets

from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.http import HttpResponse
from django.urls import path

settings.configure(
    DEBUG=False,
    SECRET_KEY=secrets.token_urlsafe(50),  # nothing is signed; just never the empty default
    ALLOWED_HOSTS=["127.0.0.1", "localhost"],
    ROOT_URLCONF=__name__,
    INSTALLED_APPS=[],
    MIDDLEWARE=[],
    USE_I18N=False,
    DATABASES={},
)


def floor(request):
    return HttpResponse("floor\n", content_type="text/plain")


urlpatterns = [path("", floor)]

application = get_wsgi_application()
